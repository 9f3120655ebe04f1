#!/usr/bin/env bash
# Packs Concord's libraries into a local folder feed, then builds the samples and runs their tests against
# those packages alone, in a copy of samples/ where no Concord project can be reached: a public type the
# samples need but the packages lack fails here. Usage: samples-against-packages.sh RESULTS_DIR [CONFIGURATION]
set -uo pipefail
cd "$(dirname "$0")/.."
results="$1"
configuration="${2:-Debug}"

# A new version every run: NuGet caches packages by id and version, and a stale one must never be used.
version="0.0.0-ci.$(date +%s)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
feed="$work/feed"

echo "packing Concord $version into $feed"
for library in Grains.Interfaces Grains Storage.Postgres Client.Sdk TestKit; do
  if ! dotnet pack "$library/$library.csproj" --no-build -c "$configuration" -o "$feed" -p:PackageVersion="$version" -nologo -v:quiet; then
    echo "samples-against-packages: packing $library failed" >&2
    exit 1
  fi
done

# The packages must be reproducible: the same sources built again pack to the same assemblies, documentation and
# files (Deterministic is on for every project). Only the package's own metadata differs between two packs (NuGet
# names its core-properties part at random).
echo "checking that the libraries build and pack deterministically"
for library in Grains.Interfaces Grains Storage.Postgres Client.Sdk TestKit; do
  if ! dotnet build "$library/$library.csproj" --no-incremental --no-dependencies -c "$configuration" -nologo -v:quiet \
    || ! dotnet pack "$library/$library.csproj" --no-build -c "$configuration" -o "$work/again" -p:PackageVersion="$version" -nologo -v:quiet; then
    echo "samples-against-packages: building $library again failed" >&2
    exit 1
  fi
done
if ! python3 scripts/compare-packages.py "$feed" "$work/again"; then
  echo "samples-against-packages: the libraries do not pack deterministically" >&2
  exit 1
fi

mkdir -p "$work/src/samples"
cp Directory.Build.props Directory.Packages.props .editorconfig "$work/src/"
tar -C samples --exclude=bin --exclude=obj -cf - . | tar -C "$work/src/samples" -xf -
cat > "$work/src/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="concord-packed" value="$feed" />
  </packageSources>
</configuration>
CONFIG

echo "building the venue sample's client and running its tests against the packages"
if ! dotnet build "$work/src/samples/Venues.Client/Venues.Client.csproj" -p:ConcordPackageVersion="$version" -nologo -v:quiet; then
  echo "samples-against-packages: the venue client does not build against the packages" >&2
  exit 1
fi

dotnet test "$work/src/samples/Venues.Tests/Venues.Tests.csproj" -p:ConcordPackageVersion="$version" -nologo \
  --blame-hang-timeout 5m --logger "trx;LogFileName=samples-against-packages.trx" --logger "console;verbosity=minimal" --results-directory "$results"
