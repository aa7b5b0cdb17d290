# Evaluates nix/examples/raspberry-pi/flake.nix's outputs: its inputs are
# stand-ins (nixpkgs = the real nixpkgs lib plus a nixosSystem that runs
# lib.evalModules over nixos-stubs.nix; nodewatch = this repository's flake,
# evaluated as in eval-flake.nix; deploy-rs = its lib's two functions), and
# modulesPath holds a stand-in for the sd-image module.
{ lib }:
let
  systems = [
    "x86_64-linux"
    "aarch64-linux"
  ];
  pkgsFor = lib.genAttrs systems (system: import ./stub-pkgs.nix { inherit lib system; });

  nixosSystem =
    { modules }:
    lib.evalModules {
      specialArgs.modulesPath = ./stub-modules;
      modules = [
        ./nixos-stubs.nix
        (
          { config, ... }:
          {
            _module.args.pkgs = pkgsFor.${config.nixpkgs.hostPlatform};
          }
        )
      ]
      ++ modules;
    };
  nixpkgs = {
    lib = lib // {
      inherit nixosSystem;
    };
    legacyPackages = pkgsFor;
  };
  nodewatch = (import ../../../flake.nix).outputs {
    self = nodewatch;
    inherit nixpkgs;
  };
  deploy-rs.lib = lib.genAttrs systems (system: {
    activate.nixos = nixos: {
      activates = nixos.config.networking.hostName;
      inherit system;
    };
    deployChecks = deploy: { };
  });

  example = import ../../../nix/examples/raspberry-pi/flake.nix;
  outputs = example.outputs {
    self = outputs;
    inherit nixpkgs nodewatch deploy-rs;
  };

  machine =
    evaluated:
    let
      config = evaluated.config;
    in
    {
      failedAssertions = map (a: a.message) (lib.filter (a: !a.assertion) config.assertions);
      inherit (config) warnings;
      inherit (config.networking) hostName hostId;
      inherit (config.nixpkgs) hostPlatform buildPlatform;
      inherit (config.boot.zfs) enabled extraPools devNodes;
      allowedTCPPorts = config.networking.firewall.allowedTCPPorts;
      nodewatchUnit = config.systemd.services.nodewatch.serviceConfig;
      nodewatchSettings = config.services.nodewatch.settings;
      package = config.services.nodewatch.package.name;
      zedlet = config.environment.etc ? "zfs/zed.d/all-nodewatch.sh";
    };
in
{
  inputs = builtins.attrNames example.inputs;
  nodewatchInput = example.inputs.nodewatch;
  configurations = lib.mapAttrs (_: machine) outputs.nixosConfigurations;
  deploy = lib.mapAttrs (_: node: {
    inherit (node) hostname sshUser;
    profile = node.profiles.system.path;
  }) outputs.deploy.nodes;
}
