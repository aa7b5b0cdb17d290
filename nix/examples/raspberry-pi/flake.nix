# The flake of a small fleet of Raspberry Pis with nodewatch, built on an
# x86_64 machine. Copy this directory into your own repository (and point the
# nodewatch input at wherever nodewatch lives for you). docs/nixos.md has the
# whole walkthrough; in short:
#
#   SD image, cross-compiled (no emulation needed; builds aarch64 packages
#   from source where cache.nixos.org has no cross build, which is most):
#     nix build .#nixosConfigurations.pi-node-1.config.system.build.sdImage
#   SD image, native aarch64 under emulation (the builder needs
#   boot.binfmt.emulatedSystems = [ "aarch64-linux" ]; nearly everything
#   comes from cache.nixos.org, only nodewatch and the system are built):
#     nix build .#nixosConfigurations.pi-node-1-emulated.config.system.build.sdImage
#   Flash it:
#     zstdcat result/sd-image/*.img.zst | sudo dd of=/dev/sdX bs=4M conv=fsync status=progress
#   Update the running Pi over SSH, building here:
#     nixos-rebuild switch --flake .#pi-node-1 --target-host root@pi-node-1.lan
#   or with deploy-rs (rolls back by itself when the Pi stops answering):
#     nix run github:serokell/deploy-rs -- .#pi-node-1
{
  description = "Raspberry Pi storage nodes with nodewatch";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    nodewatch = {
      url = "path:../../.."; # CHANGE: e.g. "git+https://your.forge/you/nodewatch"
      inputs.nixpkgs.follows = "nixpkgs";
    };
    deploy-rs = {
      url = "github:serokell/deploy-rs";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs =
    {
      self,
      nixpkgs,
      nodewatch,
      deploy-rs,
    }:
    let
      node =
        platform:
        nixpkgs.lib.nixosSystem {
          modules = [
            nodewatch.nixosModules.default
            ./configuration.nix
            platform
          ];
        };
    in
    {
      nixosConfigurations = {
        # Cross-compiled: built by x86_64, runs on aarch64.
        pi-node-1 = node {
          nixpkgs.buildPlatform = "x86_64-linux";
          nixpkgs.hostPlatform = "aarch64-linux";
        };
        # Native aarch64, built under QEMU user emulation (binfmt) or on an
        # aarch64 machine; uses the binary cache.
        pi-node-1-emulated = node { nixpkgs.hostPlatform = "aarch64-linux"; };
      };

      deploy.nodes.pi-node-1 = {
        hostname = "pi-node-1.lan"; # CHANGE
        sshUser = "root";
        profiles.system = {
          user = "root";
          # deploy-rs' activation wrapper is an aarch64 program: build this on a
          # machine with binfmt emulation (or an aarch64 builder).
          path = deploy-rs.lib.aarch64-linux.activate.nixos self.nixosConfigurations.pi-node-1-emulated;
        };
      };

      checks = builtins.mapAttrs (system: lib: lib.deployChecks self.deploy) deploy-rs.lib;
    };
}
