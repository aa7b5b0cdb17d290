# A Raspberry Pi 3/4 (aarch64) storage node: NixOS on the SD card, a ZFS pool
# on USB disks, nodewatch watching both. Used by ./flake.nix; docs/nixos.md
# walks through it. Replace everything marked CHANGE.
{
  config,
  lib,
  pkgs,
  modulesPath,
  ...
}:
{
  imports = [
    # nixpkgs' SD image for aarch64 boards: U-Boot + extlinux, the Pi firmware,
    # a root file system that grows to the card on first boot.
    (modulesPath + "/installer/sd-card/sd-image-aarch64.nix")
  ];

  networking.hostName = "pi-node-1"; # CHANGE
  # ZFS refuses to import a pool last used by a machine with another host ID,
  # and NixOS refuses to build without one: 8 hex digits, unique per machine,
  # never changed afterwards.  head -c4 /dev/urandom | od -A none -t x4
  networking.hostId = "8a3c2f17"; # CHANGE

  # ZFS. The image's base profile already lists "zfs" among the supported file
  # systems; the data pool lives on USB disks and is imported by name at boot
  # (its datasets mount themselves: no fileSystems entries).
  boot.supportedFilesystems = [ "zfs" ];
  boot.zfs.extraPools = [ "tank" ]; # CHANGE: your pool's name
  boot.zfs.forceImportRoot = false;
  # Disks behind USB-SATA bridges: some bridges report one serial number for
  # every bay, so their /dev/disk/by-id names differ only in the -0:N suffix,
  # follow the bay and not the disk, or collide. by-path names are stable per
  # port. Stay with the default (by-id) when the bridges pass the drives' own
  # serials through; nodewatch's `disks` command says which kind you have.
  boot.zfs.devNodes = "/dev/disk/by-path";
  services.zfs.autoScrub.enable = true;
  # Keep the kernel the image comes with (the LTS one): ZFS lags behind the
  # newest kernels, and a kernel ZFS does not support fails the build.

  services.nodewatch = {
    enable = true;
    # Reachable from the LAN for Prometheus and the page; firewall opened below.
    settings.web.listen = "0.0.0.0:8427";
    openFirewall = true;
    # USB disks are slow to answer SMART, and some bridges stall.
    settings.smart.timeout_seconds = 60;
    # apprise URLs (with their tokens) from a file that never enters the Nix
    # store: put it there with agenix/sops-nix, or by hand (mode 0600, root).
    alertUrlsFile = "/var/lib/secrets/nodewatch-alert-urls";
    # An alert waits seconds on a Pi for apprise to load. Where ~27 MB more memory
    # is fine (not on a Pi Zero 2), keep it loaded and alerts leave at once:
    # settings.alerts.keep_apprise_loaded = true;
  };

  services.openssh = {
    enable = true;
    settings.PasswordAuthentication = false;
  };
  users.users.root.openssh.authorizedKeys.keys = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0000000000000000000000000000000000000000000 you@laptop" # CHANGE
  ];
  nix.settings.trusted-users = [ "root" ];

  system.stateVersion = "26.05"; # the release the node was first installed with
}
