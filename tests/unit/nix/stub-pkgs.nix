# A small stand-in for nixpkgs (this machine has only nixpkgs' lib): a
# derivation is an attribute set with an outPath and nothing is built;
# callPackage fills a function's arguments from this set, as nixpkgs' does;
# buildPythonApplication and runNixOSTest keep their arguments so the test can
# read them; pkgs.formats.toml has nixpkgs' value type, and its generate keeps
# the value that would be rendered.
{
  lib,
  system ? "x86_64-linux",
}:
let
  drv = name: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/${builtins.substring 0 32 (builtins.hashString "sha256" "${system}-${name}")}-${name}";
  };
  pythonPackage = name: drv "python3.13-${name}" // { pname = name; };
  pkgs = {
    inherit lib;
    stdenv.hostPlatform.system = system;
    callPackage =
      fn: args:
      let
        f = if builtins.isFunction fn then fn else import fn;
      in
      f (builtins.intersectAttrs (builtins.functionArgs f) pkgs // args);

    nodewatch = drv "nodewatch-0.1.0";
    zfs = drv "zfs-user-2.3.4";
    smartmontools = drv "smartmontools-7.5";
    btrfs-progs = drv "btrfs-progs-6.17";
    coreutils = drv "coreutils-9.8";
    curl = drv "curl-8.16.0";
    jq = drv "jq-1.8.1";
    python3 = drv "python3-3.13.7" // {
      interpreter = "${(drv "python3-3.13.7").outPath}/bin/python3.13";
    };

    python3Packages =
      lib.genAttrs [
        "setuptools"
        "pyudev"
        "jinja2"
        "werkzeug"
        "waitress"
        "apprise"
        "prometheus-client"
        "pytestCheckHook"
        "hypothesis"
        "pytest-benchmark"
      ] pythonPackage
      // {
        makePythonPath = lib.concatMapStringsSep ":" (p: "${p.outPath}/lib/python3.13/site-packages");
        buildPythonApplication =
          attrs:
          drv "${attrs.pname}-${attrs.version}"
          // {
            inherit attrs;
            inherit (attrs) pname version meta;
          };
      };

    testers.runNixOSTest = test: drv "vm-test-run-${test.name}" // { inherit test; };

    formats.toml =
      { }:
      {
        # pkgs/pkgs-lib/formats.nix: json/toml value type.
        type =
          let
            valueType =
              lib.types.nullOr (
                lib.types.oneOf [
                  lib.types.bool
                  lib.types.int
                  lib.types.float
                  lib.types.str
                  lib.types.path
                  (lib.types.attrsOf valueType)
                  (lib.types.listOf valueType)
                ]
              )
              // {
                description = "TOML value";
              };
          in
          valueType;
        generate =
          name: value:
          drv "${builtins.substring 0 8 (builtins.hashString "sha256" (builtins.toJSON value))}-${name}"
          // {
            inherit value;
          };
      };

    writeText = name: text: drv name // { inherit text; };
  };
in
pkgs
