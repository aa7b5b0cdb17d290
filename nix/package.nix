# nodewatch as a Nix package: pkgs.callPackage ./nix/package.nix { }
# (the flake's packages.<system>.default and overlays.default do this).
{
  lib,
  python3Packages,
  coreutils,
  zfs,
  smartmontools,
  btrfs-progs,
}:

let
  # pyproject.toml's [project] dependencies, from nixpkgs' python3Packages
  # (tests/unit/nix checks the two lists agree).
  dependencies = with python3Packages; [
    pyudev
    jinja2
    waitress
    apprise
    prometheus-client
  ];
  # nodewatch.__version__ is the one place the version is written (pyproject reads it too).
  version = lib.head (
    builtins.match ''.*__version__ = "([^"]+)".*'' (builtins.readFile ../nodewatch/__init__.py)
  );
in
python3Packages.buildPythonApplication {
  pname = "nodewatch";
  inherit version;
  pyproject = true;

  # What the wheel and the unit tests read (tests/unit checks docs/ too);
  # editing nix/ or flake.nix does not rebuild the package. (cleanSourceWith
  # rather than lib.fileset, so that the Nix 2.8 of the project's CI evaluates it.)
  src = lib.cleanSourceWith {
    name = "nodewatch-source";
    src = lib.cleanSource ../.;
    filter =
      path: type:
      let
        relative = lib.removePrefix "${toString ../.}/" (toString path);
      in
      lib.elem (lib.head (lib.splitString "/" relative)) [
        "pyproject.toml"
        "README.md"
        "config.example.toml"
        "nodewatch"
        "tests"
        "docs"
      ]
      && baseNameOf path != "__pycache__"
      && !lib.hasSuffix ".pyc" path;
  };

  build-system = [ python3Packages.setuptools ];
  inherit dependencies;

  makeWrapperArgs = [
    # zpool, smartctl and btrfs on the program's PATH at run time. Appended, not
    # prepended: on NixOS the service's own PATH puts first the zpool that
    # belongs to the ZFS module of the booted kernel (config.boot.zfs.package),
    # and a user's shell finds the system's zpool first the same way.
    "--suffix"
    "PATH"
    ":"
    (lib.makeBinPath [
      zfs
      smartmontools
      btrfs-progs
    ])
    # The service delivers alerts from a child `python -m nodewatch.service.deliver`
    # started with sys.executable, which here is the bare interpreter: it finds
    # apprise and the rest only through PYTHONPATH.
    "--prefix"
    "PYTHONPATH"
    ":"
    (python3Packages.makePythonPath dependencies)
  ];

  # The zedlet is package data (inside the wheel); ZED wants it as an
  # executable file of its own, where nix/module.nix links it into /etc/zfs/zed.d.
  # The Debian unit goes along for reference (NixOS writes its own unit).
  # The zedlet bounds its write with `timeout`: the wrapper puts coreutils in its
  # PATH, whatever environment ZED gives it.
  postInstall = ''
    install -Dm0555 nodewatch/service/zedlet/all-nodewatch.sh \
      $out/libexec/nodewatch/zed.d/all-nodewatch.sh
    wrapProgram $out/libexec/nodewatch/zed.d/all-nodewatch.sh \
      --prefix PATH : ${lib.makeBinPath [ coreutils ]}
    install -Dm0444 nodewatch/service/systemd/nodewatch.service \
      $out/share/nodewatch/systemd/nodewatch.service
    install -Dm0444 config.example.toml $out/share/nodewatch/config.example.toml
  '';

  nativeCheckInputs = with python3Packages; [
    pytestCheckHook
    hypothesis
    pytest-benchmark
    werkzeug # the web app's WSGI test client
  ];
  # The unit tier only: lint is the project CI's job, and the e2e tier boots VMs.
  enabledTestPaths = [ "tests/unit" ];
  pythonImportsCheck = [ "nodewatch" ];

  meta = {
    description = "Per-node storage and ZFS health monitor: which physical disk is at fault, and the command that fixes it";
    license = lib.licenses.mit;
    mainProgram = "nodewatch";
    platforms = lib.platforms.linux;
  };
}
