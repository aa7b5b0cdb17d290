{
  description = "nodewatch: per-node storage and ZFS health monitor (package, NixOS module, VM test)";

  # `nix flake lock` pins it on first use (no flake.lock is committed: the
  # machine this was written on cannot reach GitHub). To build against the
  # nixpkgs of your own flake: inputs.nodewatch.inputs.nixpkgs.follows = "nixpkgs";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      overlays.default = final: prev: { nodewatch = final.callPackage ./nix/package.nix { }; };

      packages = forAllSystems (pkgs: {
        default = pkgs.callPackage ./nix/package.nix { };
      });

      # The package is built with the nixpkgs of the machine's own configuration
      # (so a cross-built Pi image gets an aarch64 nodewatch, not this flake's).
      nixosModules.default =
        { lib, pkgs, ... }:
        {
          imports = [ ./nix/module.nix ];
          services.nodewatch.package = lib.mkDefault (pkgs.callPackage ./nix/package.nix { });
        };

      checks = forAllSystems (pkgs: {
        package = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        vm-degraded-pool = pkgs.testers.runNixOSTest (
          import ./nix/tests/vm-degraded-pool.nix { nodewatchModule = self.nixosModules.default; }
        );
      });
    };
}
