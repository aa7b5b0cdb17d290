# Evaluates flake.nix's outputs without fetching its input: `nixpkgs` is a
# stand-in with the real nixpkgs lib and stub-pkgs.nix per system. Returns the
# outputs' structure and what the VM test's machine makes of the module.
{ lib }:
let
  flake = import ../../../flake.nix;
  systems = [
    "x86_64-linux"
    "aarch64-linux"
  ];
  pkgsFor = lib.genAttrs systems (system: import ./stub-pkgs.nix { inherit lib system; });
  nixpkgs = {
    inherit lib;
    legacyPackages = pkgsFor;
  };
  self = flake.outputs { inherit self nixpkgs; };

  vmTest = self.checks.x86_64-linux.vm-degraded-pool.test;
  machine = import ./eval-module.nix {
    inherit lib;
    module = { }; # the machine imports nixosModules.default itself
    configuration = vmTest.nodes.machine;
    pkgs = pkgsFor.x86_64-linux;
  };
  package = self.packages.x86_64-linux.default;
in
{
  inputs = builtins.attrNames flake.inputs;
  outputs = lib.mapAttrs (_: value: if builtins.isAttrs value then builtins.attrNames value else "<${builtins.typeOf value}>") self;
  packages = lib.mapAttrs (_: p: lib.mapAttrs (_: d: d.name) p) self.packages;
  checks = lib.mapAttrs (_: c: lib.mapAttrs (_: d: d.name) c) self.checks;
  overlay = (self.overlays.default pkgsFor.aarch64-linux pkgsFor.aarch64-linux).nodewatch.name;
  inherit (package.attrs) pname version pyproject makeWrapperArgs postInstall;
  dependencies = map (d: d.pname) package.attrs.dependencies;
  buildSystem = map (d: d.pname) package.attrs.build-system;
  meta = { inherit (package.meta) mainProgram license platforms; };
  src = toString package.attrs.src;
  vmTest = {
    inherit (vmTest) name testScript;
    inherit machine;
  };
}
