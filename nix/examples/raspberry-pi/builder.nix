# On the x86_64 NixOS machine that builds the Pi images: run aarch64 programs
# under QEMU user emulation, so `pi-node-1-emulated` builds natively for
# aarch64 and fetches everything else from cache.nixos.org. Import it into the
# builder's configuration and switch; then check:
#   nix eval --raw nixpkgs#legacyPackages.aarch64-linux.hello.system   # aarch64-linux
#   nix build nixpkgs#legacyPackages.aarch64-linux.hello && file -L result/bin/hello
{
  boot.binfmt.emulatedSystems = [ "aarch64-linux" ];
  # Let the builder's own user push closures to the Pis (nixos-rebuild
  # --target-host, deploy-rs) and use the emulated platform.
  nix.settings.extra-platforms = [ "aarch64-linux" ];
}
