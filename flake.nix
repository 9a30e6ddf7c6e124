{
  description = "Footfall: door counter firmware, counting service and dashboard";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
    flake-utils.url = "github:numtide/flake-utils";
  };

  outputs = { self, nixpkgs, flake-utils }:
    flake-utils.lib.eachDefaultSystem (system:
      let
        pkgs = import nixpkgs { inherit system; };
      in
      {
        # `nix develop` opens a shell with every tool the project's checks use:
        # the service (Python), the dashboard (Node.js), the device build
        # (PlatformIO, which fetches the ESP-IDF toolchain itself on first use)
        # and the host tests of the firmware core (CMake, a C compiler, cmocka,
        # valgrind).
        devShells.default = pkgs.mkShell {
          packages = [
            pkgs.python311
            pkgs.python311Packages.pip
            pkgs.python311Packages.virtualenv
            pkgs.nodejs_20
            pkgs.platformio
            pkgs.cmake
            pkgs.gnumake
            pkgs.gcc
            pkgs.cmocka
            pkgs.pkg-config
            pkgs.git
          ]
          # valgrind (instruction counts of the core) exists for Linux only.
          ++ pkgs.lib.optionals pkgs.stdenv.isLinux [ pkgs.valgrind ];

          shellHook = ''
            # PlatformIO keeps its toolchains and packages out of the repository.
            export PLATFORMIO_CORE_DIR="$HOME/.platformio"
            echo "footfall dev shell: python $(python3 --version | cut -d' ' -f2), node $(node --version), $(pio --version 2>/dev/null || echo 'platformio missing')"
          '';
        };
      });
}
