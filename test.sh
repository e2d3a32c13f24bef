#!/usr/bin/env bash
# The project's test command (README): builds everything and runs every test project.
set -euo pipefail
cd "$(dirname "$0")"
dotnet test EdgeMobileNet.sln -c Release "$@"
