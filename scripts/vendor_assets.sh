#!/usr/bin/env bash
# Vendor the front-end assets (Bootstrap, htmx, Chart.js, Swagger UI) into static/vendor/.
#
# Each package is fetched with `npm pack <pkg>@<exact version>` into a
# temporary directory, its tarball integrity is checked against the pinned
# value below, and only the needed dist files (plus the licence) are copied.
# No node_modules or package.json is created in the repository.
#
# To upgrade a package: change its *_VERSION, set its *_INTEGRITY to the value
# printed by `npm view <pkg>@<version> dist.integrity`, and re-run this script.
#
# Source maps are not shipped, so `sourceMappingURL` comments are stripped:
# the manifest static files storage would otherwise fail on the missing .map
# files during collectstatic.
set -euo pipefail

BOOTSTRAP_VERSION="5.3.9"
BOOTSTRAP_INTEGRITY="sha512-20cU0rcfw8WdxtVbmfU+xT2EjvVTw9Ror/h1Qvd7DXCujRg8OO9mdBCsmTHdJFf3BuadmBNJtgIuUXsBqSkk/w=="

HTMX_VERSION="2.0.11"
HTMX_INTEGRITY="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="

CHARTJS_VERSION="4.6.1"
CHARTJS_INTEGRITY="sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g=="

# The API's browsable documentation (/api/v1/docs/).
SWAGGER_UI_VERSION="5.35.0"
SWAGGER_UI_INTEGRITY="sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ=="

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR_DIR="${REPO_ROOT}/static/vendor"

for tool in npm node tar sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is required" >&2; exit 1; }
done

WORK_DIR="$(mktemp -d)"
trap 'rm -rf "$WORK_DIR"' EXIT

# Lines appended to VERSIONS.md as packages are processed.
VERSIONS_BODY=""

# fetch <package> <version> <expected integrity>
# Packs the package into $WORK_DIR and extracts it to $WORK_DIR/<package>/package.
fetch() {
    local pkg="$1" version="$2" expected="$3"
    local pack_json integrity filename

    echo "Fetching ${pkg}@${version}" >&2
    pack_json="$(cd "$WORK_DIR" && npm pack "${pkg}@${version}" --json --silent)"
    integrity="$(printf '%s' "$pack_json" | node -e '
        let s = ""; process.stdin.on("data", c => s += c).on("end", () => {
            process.stdout.write(JSON.parse(s)[0].integrity);
        });')"
    filename="$(printf '%s' "$pack_json" | node -e '
        let s = ""; process.stdin.on("data", c => s += c).on("end", () => {
            process.stdout.write(JSON.parse(s)[0].filename);
        });')"

    if [[ "$integrity" != "$expected" ]]; then
        echo "error: integrity mismatch for ${pkg}@${version}" >&2
        echo "  expected: ${expected}" >&2
        echo "  got:      ${integrity}" >&2
        exit 1
    fi

    mkdir -p "${WORK_DIR}/${pkg}"
    tar -xzf "${WORK_DIR}/${filename}" -C "${WORK_DIR}/${pkg}"
}

# install_file <src> <dest>: copy one file, dropping sourceMappingURL comment lines.
install_file() {
    local src="$1" dest="$2"
    [[ -f "$src" ]] || { echo "error: missing ${src}" >&2; exit 1; }
    mkdir -p "$(dirname "$dest")"
    sed -E \
        -e '/^[[:space:]]*\/\/[#@] sourceMappingURL=/d' \
        -e '/^[[:space:]]*\/\*[#@] sourceMappingURL=.*\*\/[[:space:]]*$/d' \
        "$src" > "$dest"
    if grep -q 'sourceMappingURL=' "$dest"; then
        echo "error: ${dest} still references a source map" >&2
        exit 1
    fi
}

# install_license <src> <dest>: copy a licence file verbatim.
install_license() {
    local src="$1" dest="$2"
    [[ -f "$src" ]] || { echo "error: missing ${src}" >&2; exit 1; }
    mkdir -p "$(dirname "$dest")"
    cp "$src" "$dest"
}

# record <package> <version> <integrity> <dir relative to static/vendor>
record() {
    local pkg="$1" version="$2" integrity="$3" subdir="$4" file rel
    VERSIONS_BODY+=$'\n'"## ${pkg} ${version}"$'\n\n'
    VERSIONS_BODY+="- npm: \`npm pack ${pkg}@${version}\`"$'\n'
    VERSIONS_BODY+="- tarball integrity: \`${integrity}\`"$'\n\n'
    VERSIONS_BODY+="| File | sha256 |"$'\n'"| --- | --- |"$'\n'
    while IFS= read -r file; do
        rel="${file#"${VENDOR_DIR}/"}"
        VERSIONS_BODY+="| \`${rel}\` | \`$(sha256sum "$file" | cut -d' ' -f1)\` |"$'\n'
    done < <(find "${VENDOR_DIR}/${subdir}" -type f | LC_ALL=C sort)
}

# Start from a clean tree so no stale files survive an upgrade.
rm -rf "${VENDOR_DIR}/bootstrap" "${VENDOR_DIR}/htmx" "${VENDOR_DIR}/chartjs" "${VENDOR_DIR}/swagger-ui"
mkdir -p "$VENDOR_DIR"

# --- Bootstrap ---------------------------------------------------------------
fetch bootstrap "$BOOTSTRAP_VERSION" "$BOOTSTRAP_INTEGRITY"
src="${WORK_DIR}/bootstrap/package"
install_file "${src}/dist/css/bootstrap.min.css" "${VENDOR_DIR}/bootstrap/css/bootstrap.min.css"
install_file "${src}/dist/js/bootstrap.bundle.min.js" "${VENDOR_DIR}/bootstrap/js/bootstrap.bundle.min.js"
install_license "${src}/LICENSE" "${VENDOR_DIR}/bootstrap/LICENSE"
record bootstrap "$BOOTSTRAP_VERSION" "$BOOTSTRAP_INTEGRITY" bootstrap

# --- htmx --------------------------------------------------------------------
fetch htmx.org "$HTMX_VERSION" "$HTMX_INTEGRITY"
src="${WORK_DIR}/htmx.org/package"
install_file "${src}/dist/htmx.min.js" "${VENDOR_DIR}/htmx/htmx.min.js"
install_license "${src}/LICENSE" "${VENDOR_DIR}/htmx/LICENSE"
record htmx.org "$HTMX_VERSION" "$HTMX_INTEGRITY" htmx

# --- Chart.js ----------------------------------------------------------------
fetch chart.js "$CHARTJS_VERSION" "$CHARTJS_INTEGRITY"
src="${WORK_DIR}/chart.js/package"
if [[ -f "${src}/dist/chart.umd.min.js" ]]; then
    install_file "${src}/dist/chart.umd.min.js" "${VENDOR_DIR}/chartjs/chart.umd.min.js"
else
    # Older 4.x releases only ship the (already minified) chart.umd.js.
    install_file "${src}/dist/chart.umd.js" "${VENDOR_DIR}/chartjs/chart.umd.js"
fi
if [[ -f "${src}/LICENSE.md" ]]; then
    install_license "${src}/LICENSE.md" "${VENDOR_DIR}/chartjs/LICENSE.md"
else
    install_license "${src}/LICENSE" "${VENDOR_DIR}/chartjs/LICENSE"
fi
record chart.js "$CHARTJS_VERSION" "$CHARTJS_INTEGRITY" chartjs

# --- Swagger UI ----------------------------------------------------------------
fetch swagger-ui-dist "$SWAGGER_UI_VERSION" "$SWAGGER_UI_INTEGRITY"
src="${WORK_DIR}/swagger-ui-dist/package"
install_file "${src}/swagger-ui-bundle.js" "${VENDOR_DIR}/swagger-ui/swagger-ui-bundle.js"
install_file "${src}/swagger-ui.css" "${VENDOR_DIR}/swagger-ui/swagger-ui.css"
install_license "${src}/LICENSE" "${VENDOR_DIR}/swagger-ui/LICENSE"
record swagger-ui-dist "$SWAGGER_UI_VERSION" "$SWAGGER_UI_INTEGRITY" swagger-ui

# --- VERSIONS.md -------------------------------------------------------------
{
    echo "# Vendored front-end assets"
    echo
    echo "Generated by \`scripts/vendor_assets.sh\`; do not edit by hand."
    echo "Files are copied from the npm tarballs with \`sourceMappingURL\` comment lines"
    echo "removed (source maps are not shipped), so their hashes differ from upstream."
    printf '%s' "$VERSIONS_BODY"
} > "${VENDOR_DIR}/VERSIONS.md"

echo "Vendored assets written to ${VENDOR_DIR}" >&2
