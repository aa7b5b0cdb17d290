# Evaluates nix/module.nix with the stubs and one configuration module;
# returns what the test checks. Run by test_nix_module.py:
#   nix-instantiate --eval --strict --json --arg lib 'import <nixpkgs lib>' \
#     --arg configuration '{ ... }' eval-module.nix
{
  lib,
  configuration,
  # nix/module.nix, or the flake's nixosModules.default (see eval-flake.nix).
  module ? ../../../nix/module.nix,
  pkgs ? import ./stub-pkgs.nix { inherit lib; },
}:
let
  evaluated = lib.evalModules {
    # nixpkgs' sd-image module, imported by the Raspberry Pi example, is a stand-in.
    specialArgs.modulesPath = ./stub-modules;
    modules = [
      ./nixos-stubs.nix
      module
      { _module.args.pkgs = pkgs; }
      configuration
    ];
  };
  config = evaluated.config;
  etc = lib.mapAttrs (_: file: toString file.source) config.environment.etc;
  own = lib.filter (o: lib.hasPrefix "services.nodewatch." o.name && !lib.hasInfix "._module." o.name) (
    lib.optionAttrSetToDocList evaluated.options
  );
in
{
  failedAssertions = map (a: a.message) (lib.filter (a: !a.assertion) config.assertions);
  inherit (config) warnings;
  services = lib.mapAttrs (_: s: {
    inherit (s) wantedBy after restartTriggers serviceConfig;
    path = map toString s.path;
  }) config.systemd.services;
  inherit etc;
  systemPackages = map toString config.environment.systemPackages;
  package = toString config.services.nodewatch.package;
  allowedTCPPorts = config.networking.firewall.allowedTCPPorts;
  emulatedSystems = config.boot.binfmt.emulatedSystems;
  settings = config.services.nodewatch.settings;
  # What pkgs.formats.toml would render into the file behind /etc/nodewatch/config.toml.
  rendered = config.environment.etc."nodewatch/config.toml".source.value or null;
  # The option documentation renders (defaults without a defaultText would fail here).
  documentedOptions = map (o: {
    inherit (o) name type;
    default = o.default.text or null;
  }) own;
}
