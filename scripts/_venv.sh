# shellcheck shell=bash
# Sourced by scripts/test and scripts/serve: make sure .venv exists and holds the
# project installed (editable) from the current pyproject.toml.
#
# Usage: ensure_venv [EXTRAS]   e.g. ensure_venv test  -> pip install -e '.[test]'
#
# A stamp file .venv/.installed-<sha256 of pyproject.toml>[-<extras>] records the
# last install, so the (slow) pip step runs only when pyproject.toml changed.
# The 'test' install is a superset of the runtime one, so its stamp satisfies both.
# The stamp holds the list of top-level packages present at install time: the
# editable finder maps only those, so a package added later triggers a reinstall.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

ensure_venv() {
    local extras="${1:-}"
    local python="${PYTHON:-python3}"
    if [[ ! -x "$VENV/bin/python" ]]; then
        echo "creating virtualenv in $VENV" >&2
        "$python" -m venv "$VENV"
    fi
    local sha
    sha="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
    local full_stamp="$VENV/.installed-$sha"
    local stamp spec
    if [[ "$extras" == "test" ]]; then
        stamp="$full_stamp"
        spec=".[test]"
    elif [[ -n "$extras" ]]; then
        stamp="$VENV/.installed-$sha-$extras"
        spec=".[$extras]"
    else
        stamp="$VENV/.installed-$sha-runtime"
        spec="."
    fi
    local pkgs="" d
    for d in domain application infrastructure projections api workers mentoring; do
        if [[ -f "$ROOT/$d/__init__.py" ]]; then pkgs+="$d "; fi
    done
    if [[ -e "$full_stamp" && "$(cat "$full_stamp")" == "$pkgs" ]] \
        || [[ -e "$stamp" && "$(cat "$stamp")" == "$pkgs" ]]; then
        return 0
    fi
    echo "installing $spec into $VENV" >&2
    (cd "$ROOT" && "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$spec")
    rm -f "$VENV"/.installed-*
    printf '%s' "$pkgs" >"$stamp"
}
