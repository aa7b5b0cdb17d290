# Stand-ins for the NixOS options nodewatch's module (nix/module.nix) and the
# flake's VM test touch, declared with the types NixOS gives them, so that
# lib.evalModules can check the module here without a full nixpkgs (which this
# machine cannot fetch). Undeclared options are errors, as on NixOS.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  # nixos/lib/systemd-unit-options.nix: a unit setting is an atom or a list of them.
  atom = types.oneOf [ types.bool types.int types.str types.path types.package ];
  unitOption = types.oneOf [ atom (types.listOf atom) ];
  service = types.submodule {
    options = {
      description = mkOption { type = types.str; default = ""; };
      wantedBy = mkOption { type = types.listOf types.str; default = [ ]; };
      requiredBy = mkOption { type = types.listOf types.str; default = [ ]; };
      after = mkOption { type = types.listOf types.str; default = [ ]; };
      before = mkOption { type = types.listOf types.str; default = [ ]; };
      wants = mkOption { type = types.listOf types.str; default = [ ]; };
      requires = mkOption { type = types.listOf types.str; default = [ ]; };
      path = mkOption { type = types.listOf (types.either types.package types.str); default = [ ]; };
      environment = mkOption { type = types.attrsOf (types.nullOr (types.either types.str types.path)); default = { }; };
      restartTriggers = mkOption { type = types.listOf types.unspecified; default = [ ]; };
      script = mkOption { type = types.lines; default = ""; };
      unitConfig = mkOption { type = types.attrsOf unitOption; default = { }; };
      serviceConfig = mkOption { type = types.attrsOf unitOption; default = { }; };
    };
  };
in
{
  options = {
    assertions = mkOption {
      type = types.listOf (types.submodule {
        options.assertion = mkOption { type = types.bool; };
        options.message = mkOption { type = types.str; };
      });
      default = [ ];
    };
    warnings = mkOption { type = types.listOf types.str; default = [ ]; };

    boot.supportedFilesystems = mkOption { type = types.listOf types.str; default = [ ]; };
    # As in NixOS, a file system of type zfs enables ZFS too.
    boot.zfs.enabled = mkOption {
      type = types.bool;
      readOnly = true;
      default = lib.elem "zfs" (
        config.boot.supportedFilesystems ++ map (fs: fs.fsType) (lib.attrValues config.fileSystems)
      );
    };
    fileSystems = mkOption {
      type = types.attrsOf (types.submodule {
        options.device = mkOption { type = types.nullOr types.str; default = null; };
        options.fsType = mkOption { type = types.str; default = "auto"; };
        options.options = mkOption { type = types.listOf types.str; default = [ "defaults" ]; };
      });
      default = { };
    };
    boot.zfs.package = mkOption { type = types.package; default = pkgs.zfs; };
    boot.zfs.extraPools = mkOption { type = types.listOf types.str; default = [ ]; };
    boot.zfs.devNodes = mkOption { type = types.path; default = "/dev/disk/by-id"; };
    boot.zfs.forceImportRoot = mkOption { type = types.bool; default = true; };
    services.zfs.autoScrub.enable = mkOption { type = types.bool; default = false; };
    networking.hostName = mkOption { type = types.str; default = "nixos"; };
    networking.hostId = mkOption {
      type = types.nullOr (types.strMatching "[0-9a-f]{8}");
      default = null;
    };
    boot.binfmt.emulatedSystems = mkOption { type = types.listOf types.str; default = [ ]; };
    nixpkgs.hostPlatform = mkOption { type = types.str; };
    nixpkgs.buildPlatform = mkOption { type = types.str; default = config.nixpkgs.hostPlatform; };
    system.stateVersion = mkOption { type = types.str; };
    # Not read by nodewatch's module; accepted as they come.
    services.openssh = mkOption { type = types.attrsOf types.anything; default = { }; };
    nix.settings = mkOption { type = types.attrsOf types.anything; default = { }; };

    environment.etc = mkOption {
      type = types.attrsOf (types.submodule ({ name, config, ... }: {
        options.source = mkOption { type = types.path; };
        options.text = mkOption { type = types.nullOr types.lines; default = null; };
        options.mode = mkOption { type = types.str; default = "symlink"; };
        # As in nixos/modules/system/etc/etc.nix: text becomes a file in the store.
        config.source = lib.mkIf (config.text != null) (
          lib.mkDefault (pkgs.writeText (baseNameOf name) config.text)
        );
      }));
      default = { };
    };
    environment.systemPackages = mkOption { type = types.listOf types.package; default = [ ]; };

    networking.firewall.allowedTCPPorts = mkOption { type = types.listOf types.port; default = [ ]; };
    networking.firewall.allowedUDPPorts = mkOption { type = types.listOf types.port; default = [ ]; };

    systemd.services = mkOption { type = types.attrsOf service; default = { }; };

    # The VM test's machine (nixos/modules/virtualisation/qemu-vm.nix); not read here.
    virtualisation = mkOption { type = types.attrsOf types.anything; default = { }; };

    users.users = mkOption { type = types.attrsOf (types.attrsOf types.anything); default = { }; };
    users.groups = mkOption { type = types.attrsOf (types.attrsOf types.anything); default = { }; };
  };

  # nixos/modules/tasks/filesystems/zfs.nix
  config.assertions = lib.mkIf config.boot.zfs.enabled [
    {
      assertion = config.networking.hostId != null;
      message = "ZFS requires networking.hostId to be set";
    }
  ];
}
