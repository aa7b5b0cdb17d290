# NixOS VM test (flake checks.<system>.vm-degraded-pool): a machine with ZFS on
# two virtual disks runs nodewatch through the module; the test makes a
# mirror, faults one disk, and asserts that /api/v1/status reports the pool
# DEGRADED and that an alert reached an HTTP receiver in the same VM (apprise
# json://, the URL handed over as a systemd credential).
#
# Run: nix build .#checks.x86_64-linux.vm-degraded-pool -L
# (interactively: nix run .#checks.x86_64-linux.vm-degraded-pool.driverInteractive)
{ nodewatchModule }:
{
  name = "nodewatch-degraded-pool";

  nodes.machine =
    { pkgs, ... }:
    {
      imports = [ nodewatchModule ];

      boot.supportedFilesystems = [ "zfs" ];
      networking.hostId = "6e6f6465"; # ZFS refuses to import without one
      virtualisation.memorySize = 1536;
      # /dev/vdb and /dev/vdc (MiB each).
      virtualisation.emptyDiskImages = [
        512
        512
      ];
      environment.systemPackages = [
        pkgs.curl
        pkgs.jq
      ];

      services.nodewatch = {
        enable = true;
        settings.service.collect_interval_seconds = 5;
        # Outside the store as far as the service is concerned: systemd copies
        # it into the unit's credentials. (A real node gets it from agenix or
        # sops-nix; here it holds no secret.)
        alertUrlsFile = "/etc/nodewatch-test/alert-urls";
      };
      environment.etc."nodewatch-test/alert-urls".text = ''
        json://127.0.0.1:8099/nodewatch
      '';

      systemd.services.alert-receiver = {
        description = "HTTP receiver for nodewatch's test alerts";
        wantedBy = [ "multi-user.target" ];
        before = [ "nodewatch.service" ];
        serviceConfig = {
          ExecStart = "${pkgs.python3.interpreter} ${./alert-receiver.py} 127.0.0.1 8099 /var/lib/alert-receiver/alerts.jsonl";
          StateDirectory = "alert-receiver";
        };
      };
    };

  testScript = ''
    import json

    STATUS = "curl -sf http://127.0.0.1:8427/api/v1/status"

    def pool_state(name):
        document = json.loads(machine.succeed(STATUS))
        states = [pool["state"] for pool in document["pools"] if pool["name"] == name]
        return states[0] if states else None

    machine.wait_for_unit("multi-user.target")
    machine.wait_for_unit("alert-receiver.service")

    with subtest("a healthy mirror is reported ONLINE"):
        machine.succeed("zpool create -f tank mirror /dev/vdb /dev/vdc")
        machine.succeed("dd if=/dev/urandom of=/tank/data bs=1M count=32 && sync")
        machine.wait_for_unit("nodewatch.service")
        machine.wait_until_succeeds(STATUS + " | jq -e '.pools[] | select(.name == \"tank\") | .state == \"ONLINE\"'", timeout=120)
        assert pool_state("tank") == "ONLINE"

    with subtest("one disk faults: the pool is reported DEGRADED"):
        machine.succeed("zpool offline -f tank /dev/vdc")
        machine.succeed("zpool status tank | grep -q DEGRADED")
        machine.wait_until_succeeds(STATUS + " | jq -e '.pools[] | select(.name == \"tank\") | .state == \"DEGRADED\"'", timeout=120)
        document = json.loads(machine.succeed(STATUS))
        assert document["exit_status"] >= 1, document["exit_status"]
        assert any(f.get("pool") == "tank" for f in document["findings"]), document["findings"]

    with subtest("an alert about the pool reached the receiver"):
        machine.wait_until_succeeds("grep -q tank /var/lib/alert-receiver/alerts.jsonl", timeout=120)
        print(machine.succeed("cat /var/lib/alert-receiver/alerts.jsonl"))

    with subtest("the unit runs hardened, with its credential"):
        machine.succeed("test -d /var/lib/nodewatch && test -d /run/nodewatch")
        machine.succeed("systemctl show -p DynamicUser nodewatch.service | grep -q yes")
        # The config names the credential, not the URLs.
        machine.succeed("grep -q /run/credentials/nodewatch.service/alert-urls /etc/nodewatch/config.toml")
        machine.fail("grep -q 127.0.0.1:8099 /etc/nodewatch/config.toml")
  '';
}
