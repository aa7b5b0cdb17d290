# services.nodewatch: the nodewatch service on NixOS.
#
# Usage (flake): imports = [ nodewatch.nixosModules.default ];
#                services.nodewatch.enable = true;
# Without the flake: import this file and set services.nodewatch.package
# (or add the overlay that provides pkgs.nodewatch). See docs/nixos.md.
{
  config,
  lib,
  pkgs,
  ...
}:

let
  cfg = config.services.nodewatch;
  settingsFormat = pkgs.formats.toml { };

  # The unit is nodewatch.service, so systemd puts its credentials in
  # /run/credentials/nodewatch.service ($CREDENTIALS_DIRECTORY), readable by the
  # service alone; the config names these files, never the secrets' own paths.
  credential = name: "/run/credentials/nodewatch.service/${name}";
  credentials =
    lib.optional (cfg.alertUrlsFile != null) "alert-urls:${cfg.alertUrlsFile}"
    ++ lib.optional (
      cfg.basicAuthPasswordHashFile != null
    ) "web-password-hash:${cfg.basicAuthPasswordHashFile}";

  # "host:port", "[v6]:port": the port is what follows the last colon.
  listen = cfg.settings.web.listen;
  listenPort = lib.toInt (lib.last (lib.splitString ":" listen));
  listensOnLoopback =
    lib.hasPrefix "127." listen || lib.hasPrefix "localhost:" listen || lib.hasPrefix "[::1]:" listen;

  stateDirectory = cfg.settings.service.state_directory;
  smartEnabled = cfg.settings.smart.enabled;
  zfsEnabled = config.boot.zfs.enabled or false;
  # Who reads the disks themselves: smartctl, and ZFS's import listing.
  needsDisks = smartEnabled || zfsEnabled;
  # btrfs-progs refuses `filesystem show`, `device stats` and `scrub status` without
  # CAP_SYS_ADMIN (measured in the lab: tests/fixtures/lab/btrfs), e.g. a Pi's btrfs root.
  btrfsMounted = lib.any (fs: fs.fsType == "btrfs") (lib.attrValues (config.fileSystems or { }));
  capabilities =
    lib.optional smartEnabled "CAP_SYS_RAWIO"
    ++ lib.optional (needsDisks || btrfsMounted) "CAP_SYS_ADMIN";

  configFile = settingsFormat.generate "nodewatch.toml" cfg.settings;

  # The pools this configuration imports at boot: nodewatch reports one that is
  # not imported, with the command that imports it.
  configuredPools = lib.unique (
    (config.boot.zfs.extraPools or [ ])
    ++ map (fs: lib.head (lib.splitString "/" fs.device)) (
      lib.filter (fs: fs.fsType == "zfs" && fs.device != null) (lib.attrValues (config.fileSystems or { }))
    )
  );

  # One TOML section of settings: free-form, with the few keys this module reads declared.
  section =
    description: options:
    lib.mkOption {
      default = { };
      inherit description;
      type = lib.types.submodule {
        freeformType = settingsFormat.type;
        inherit options;
      };
    };

  # A secret handed to the service as a systemd credential: a path outside the store.
  secretFile =
    example: description:
    lib.mkOption {
      type = lib.types.nullOr (
        lib.types.pathWith {
          inStore = false;
          absolute = true;
        }
      );
      default = null;
      inherit example description;
    };

  # Package data: the wheel ships the zedlet, package.nix also installs it here
  # (mode 0555, the way ZED wants a zedlet).
  zedlet = "${cfg.package}/libexec/nodewatch/zed.d/all-nodewatch.sh";
in
{
  options.services.nodewatch = {
    enable = lib.mkEnableOption "nodewatch, the per-node storage and ZFS health monitor";

    package = lib.mkPackageOption pkgs "nodewatch" {
      extraDescription = "The flake's nixosModules.default sets it to the package built by nix/package.nix.";
    };

    settings = lib.mkOption {
      description = ''
        nodewatch's configuration, written as TOML to /etc/nodewatch/config.toml
        and passed to `nodewatch serve --config`. Every key of
        config.example.toml may be set here (the sections are free-form; nodewatch
        itself rejects an unknown key, naming it). The few keys declared below are
        the ones this module reads; their defaults are nodewatch's own.
      '';
      default = { };
      example = lib.literalExpression ''
        {
          web.listen = "0.0.0.0:8427";
          diagnose.scrub_overdue_days = 40;
          service.collect_interval_seconds = 120;
        }
      '';
      type = lib.types.submodule {
        freeformType = settingsFormat.type;
        options = {
          zfs = section "The [zfs] section." {
            expected_pools = lib.mkOption {
              type = lib.types.listOf lib.types.str;
              default = configuredPools;
              defaultText = lib.literalExpression ''
                config.boot.zfs.extraPools ++ the pools of the fileSystems with fsType "zfs"
              '';
              description = ''
                Pools that should be imported on this node; nodewatch reports one
                that is not, with the command that imports it. By default the pools
                this NixOS configuration imports at boot.
              '';
            };
          };
          web = section "The [web] section: the page, /api/v1 and /metrics." {
            listen = lib.mkOption {
              type = lib.types.strMatching "([[][0-9A-Fa-f:.]+[]]|[^:]+):[0-9]{1,5}";
              default = "127.0.0.1:8427";
              example = "0.0.0.0:8427";
              description = ''
                Address and port of the web page, the JSON API and /metrics
                (host:port, or [v6 address]:port). The default answers on
                loopback only. openFirewall opens this port.
              '';
            };
          };
          service = section "The [service] section: collection intervals and state." {
            state_directory = lib.mkOption {
              type = lib.types.strMatching "/var/lib/[^/].*";
              default = "/var/lib/nodewatch";
              description = ''
                Where the service keeps its history (SQLite). It must lie under
                /var/lib: systemd creates it (StateDirectory=) for the unit's user.
              '';
            };
          };
          alerts = section "The [alerts] section: where apprise delivers alerts." {
            urls = lib.mkOption {
              type = lib.types.listOf lib.types.str;
              default = [ ];
              description = ''
                apprise URLs written into the configuration, which lands in the
                world-readable Nix store. URLs carrying a token or password
                belong in alertUrlsFile instead.
              '';
            };
            urls_file = lib.mkOption {
              type = lib.types.str;
              default = "";
              description = ''
                A file with one apprise URL a line. Set by this module to the
                systemd credential when alertUrlsFile is set; leave it alone then.
              '';
            };
          };
          smart = section "The [smart] section: reading SMART data with smartctl." {
            enabled = lib.mkOption {
              type = lib.types.bool;
              default = true;
              description = ''
                Read SMART data with smartctl. Only then does the service get
                CAP_SYS_RAWIO (and CAP_SYS_ADMIN with the disks' group, which
                a node with ZFS gets anyway for the import listing).
              '';
            };
          };
        };
      };
    };

    alertUrlsFile = secretFile "/run/agenix/nodewatch-alert-urls" ''
      A file outside the Nix store with one apprise URL a line (tokens and
      passwords included), e.g. from agenix or sops-nix. systemd hands it to the
      service as a credential (LoadCredential=), readable by the service alone;
      it is never copied into the store. Give it as a string, not a Nix path
      (a path would be copied into the store, so it is rejected).
    '';

    basicAuthPasswordHashFile = secretFile "/run/agenix/nodewatch-web-password-hash" ''
      A file outside the Nix store holding the password hash for
      settings.web.basic_auth_user, handed to the service as a systemd
      credential like alertUrlsFile.
    '';

    openFirewall = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = ''
        Open the TCP port of settings.web.listen in the firewall (for Prometheus
        or the page from another machine). Needs a listen address other than
        loopback.
      '';
    };

    zed.enable = lib.mkOption {
      type = lib.types.bool;
      default = zfsEnabled;
      defaultText = lib.literalExpression "config.boot.zfs.enabled";
      description = ''
        Install nodewatch's zedlet in /etc/zfs/zed.d, so that every ZFS event
        (a disk faulted, a resilver finished) makes the service look again at
        once instead of at its next interval.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    assertions = [
      {
        assertion = cfg.zed.enable -> zfsEnabled;
        message = ''
          services.nodewatch.zed.enable is set, but ZFS is not enabled on this machine,
          so ZED never runs and the zedlet would never fire. Enable ZFS
          (boot.supportedFilesystems = [ "zfs" ]; networking.hostId = "<8 hex digits>";)
          or set services.nodewatch.zed.enable = false.
        '';
      }
      {
        assertion = cfg.settings.zfs.expected_pools != [ ] -> zfsEnabled;
        message = ''
          services.nodewatch.settings.zfs.expected_pools names pools
          (${lib.concatStringsSep ", " cfg.settings.zfs.expected_pools}), but ZFS is not enabled on
          this machine, so they can never be imported. Enable ZFS
          (boot.supportedFilesystems = [ "zfs" ]; networking.hostId = "<8 hex digits>";)
          or leave the pools out.
        '';
      }
      {
        assertion = cfg.openFirewall -> !listensOnLoopback;
        message = ''
          services.nodewatch.openFirewall opens port ${toString listenPort}, but
          services.nodewatch.settings.web.listen is "${listen}", which only this machine
          can reach. Set services.nodewatch.settings.web.listen = "0.0.0.0:${toString listenPort}";
          (or a LAN address), or leave openFirewall off.
        '';
      }
      {
        assertion = listenPort >= 1 && listenPort <= 65535;
        message = ''
          services.nodewatch.settings.web.listen is "${listen}": the port must be 1 to 65535.
        '';
      }
      {
        assertion = cfg.alertUrlsFile != null -> cfg.settings.alerts.urls_file == credential "alert-urls";
        message = ''
          services.nodewatch.alertUrlsFile and services.nodewatch.settings.alerts.urls_file
          are both set. With alertUrlsFile the service reads the URLs from its systemd
          credential (${credential "alert-urls"}); remove settings.alerts.urls_file.
        '';
      }
      {
        assertion =
          cfg.basicAuthPasswordHashFile != null
          -> cfg.settings.web.basic_auth_password_hash_file == credential "web-password-hash";
        message = ''
          services.nodewatch.basicAuthPasswordHashFile and
          services.nodewatch.settings.web.basic_auth_password_hash_file are both set. With
          basicAuthPasswordHashFile the service reads the hash from its systemd credential
          (${credential "web-password-hash"}); remove settings.web.basic_auth_password_hash_file.
        '';
      }
      {
        assertion = cfg.basicAuthPasswordHashFile != null -> (cfg.settings.web.basic_auth_user or "") != "";
        message = ''
          services.nodewatch.basicAuthPasswordHashFile is set but no user name is:
          set services.nodewatch.settings.web.basic_auth_user as well.
        '';
      }
    ];

    warnings = lib.optional (cfg.settings.alerts.urls != [ ]) ''
      services.nodewatch.settings.alerts.urls is written into the world-readable Nix store.
      If an apprise URL carries a token or password, put the URLs in a file outside the
      store and set services.nodewatch.alertUrlsFile instead.
    '';

    services.nodewatch.settings.alerts.urls_file = lib.mkIf (cfg.alertUrlsFile != null) (
      lib.mkDefault (credential "alert-urls")
    );
    services.nodewatch.settings.web.basic_auth_password_hash_file = lib.mkIf (
      cfg.basicAuthPasswordHashFile != null
    ) (lib.mkDefault (credential "web-password-hash"));

    # The same file for `nodewatch diagnose` run by hand as for the service.
    environment.etc."nodewatch/config.toml".source = configFile;
    environment.systemPackages = [ cfg.package ];

    environment.etc."zfs/zed.d/all-nodewatch.sh" = lib.mkIf cfg.zed.enable { source = zedlet; };
    # ZED reads its zedlets when it starts. (Defined only with ZED: a bare
    # systemd.services.zfs-zed would make an empty unit on a machine without ZFS.)
    systemd.services.zfs-zed = lib.mkIf cfg.zed.enable { restartTriggers = [ zedlet ]; };

    networking.firewall.allowedTCPPorts = lib.mkIf cfg.openFirewall [ listenPort ];

    systemd.services.nodewatch = {
      description = "nodewatch storage and ZFS health monitor";
      wantedBy = [ "multi-user.target" ];
      after = [
        "network-online.target"
        "systemd-udevd.service"
      ]
      ++ lib.optionals zfsEnabled [
        "zfs-import.target"
        "zfs.target"
      ];
      # apprise needs the network; nodewatch starts without it and retries.
      wants = [ "network-online.target" ];
      environment.PYTHONUNBUFFERED = "1";
      # The zpool of the ZFS that NixOS built for the booted kernel comes first in
      # PATH (the package only appends its own as a fallback).
      path = lib.optional zfsEnabled config.boot.zfs.package;

      serviceConfig = {
        Type = "notify";
        NotifyAccess = "main";
        WatchdogSec = 120;
        TimeoutStartSec = 120;
        ExecStart = "${cfg.package}/bin/nodewatch serve --config ${configFile}";
        Restart = "on-failure";
        RestartSec = 10;

        DynamicUser = true;
        StateDirectory = lib.removePrefix "/var/lib/" stateDirectory;
        StateDirectoryMode = "0700";
        # Also holds zed.fifo, which the zedlet (run by ZED as root) writes to.
        RuntimeDirectory = "nodewatch";
        RuntimeDirectoryMode = "0755";
        LoadCredential = lib.mkIf (credentials != [ ]) credentials;

        # What the probes need, as measured for the Debian unit
        # (nodewatch/service/systemd/nodewatch.service, checked in the lab VM by
        # tests/e2e): the same capabilities, devices, address families and
        # system calls. The Debian unit runs as root with a bounding set; here a
        # DynamicUser gets the two capabilities as ambient ones and the disks'
        # group, which is all the lab found the probes use:
        # - `zpool status`/`zpool list`: read and write on /dev/zfs (ioctls), no
        #   capability and no root; the kstats under /proc/spl (so no ProcSubset=pid).
        # - smartctl on SATA and USB (SAT) disks: CAP_SYS_RAWIO (ATA pass-through
        #   over SG_IO) and read access to the block devices (group "disk"); without
        #   it smartctl still exits 0 but sees a plain SCSI device and reads no SMART.
        #   NVMe: CAP_SYS_ADMIN for the admin commands (with CAP_SYS_RAWIO alone it
        #   fails on the lab's 6.1 kernel).
        # - udev: /run/udev (read) and a netlink socket (AF_NETLINK) for hotplug.
        # - alerts: apprise over the network (AF_INET, AF_INET6).
        # - the read-only `zpool import` listing, run only when a pool that should
        #   be imported is not (the disks lane): CAP_SYS_ADMIN and read access to
        #   the block devices, so a node with ZFS gets both even without SMART.
        # - the boot journal (why a pool did not import) and the kernel log: a
        #   DynamicUser sees only its own journal unless in "systemd-journal".
        # - btrfs (a mounted btrfs, e.g. the Pi's root): CAP_SYS_ADMIN for its ioctls.
        # With [smart] enabled = false, no ZFS and no btrfs: no capability and no disk.
        SupplementaryGroups = [ "systemd-journal" ] ++ lib.optional needsDisks "disk";
        CapabilityBoundingSet = capabilities;
        AmbientCapabilities = capabilities;
        # The disks and /dev/zfs must be visible, so no PrivateDevices; the device
        # cgroup lets through only these (/dev/zfs exists once the module is
        # loaded: the unit starts after zfs-import.target).
        PrivateDevices = false;
        DevicePolicy = "closed";
        DeviceAllow =
          lib.optional zfsEnabled "/dev/zfs rw"
          ++ lib.optionals needsDisks [
            "block-sd r"
            "block-blkext r"
            "block-nvme r"
            "block-virtblk r"
            "block-mmc r"
            "char-nvme r"
          ];

        NoNewPrivileges = true;
        ProtectSystem = "strict";
        ProtectHome = true;
        PrivateTmp = true;
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectControlGroups = true;
        ProtectClock = true;
        ProtectHostname = true;
        # ProcSubset=pid would hide /proc/spl/kstat/zfs, which the kstat poll reads.
        ProtectProc = "invisible";
        RestrictAddressFamilies = [
          "AF_UNIX"
          "AF_INET"
          "AF_INET6"
          "AF_NETLINK"
        ];
        RestrictNamespaces = true;
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        LockPersonality = true;
        MemoryDenyWriteExecute = true;
        SystemCallArchitectures = "native";
        # The Debian unit's system call filter. The call that killed the lab's
        # service at start was fchown: SQLite, running as root, gives its WAL and
        # journal files the database's owner (a DynamicUser does not, but the
        # filter stays the same). Anything else outside it fails with EPERM.
        SystemCallFilter = [
          "@system-service"
          "~@privileged @resources @mount @swap @reboot @raw-io"
          "fchown"
        ];
        SystemCallErrorNumber = "EPERM";
        UMask = "0077";
      };
    };
  };
}
