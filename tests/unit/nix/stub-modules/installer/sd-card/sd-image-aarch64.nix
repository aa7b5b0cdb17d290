# Stand-in for nixpkgs' nixos/modules/installer/sd-card/sd-image-aarch64.nix
# (boot loader, firmware, image build: nothing the nodewatch module reads).
# What matters here: its base profile lists ZFS among the supported file systems.
{
  boot.supportedFilesystems = [ "zfs" ];
}
