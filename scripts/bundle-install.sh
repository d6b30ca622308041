#!/usr/bin/env sh
# Install billing-admin from its desktop bundle (this file is install.sh in the tarball that
# `make dist` builds; in the repository it is scripts/bundle-install.sh).
# Usage: ./install.sh [--user] [--uninstall [--forget-secrets]]     (options in any order)
#
# As an ordinary user (or with --user): the program goes to ~/.local/opt/billing-admin, the
# `billing-admin` command to ~/.local/bin, the menu entry and icon to ~/.local/share. As
# root: /opt/billing-admin, /usr/local/bin and /usr/local/share (never /usr/lib/billing-admin,
# the Debian package's). Nothing else is touched: a `billing-admin` command this script did
# not make is left alone (it says so), and the data folder (~/.local/share/billing-admin:
# settings, cache, log) stays on --uninstall. The Stripe key and the database password stay
# in the keyring unless --forget-secrets is given. When the tarball's SHA256SUMS lies beside
# the tarball this folder came from, the tarball is checked against it first.
set -eu

HERE=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
USAGE="usage: $0 [--user] [--uninstall [--forget-secrets]]"
SYSTEM="" UNINSTALL="" FORGET=""
[ "$(id -u)" -eq 0 ] && SYSTEM=1
for arg in "$@"; do
  case $arg in
    --user) SYSTEM="" ;;
    --uninstall) UNINSTALL=1 ;;
    --forget-secrets) FORGET=1 ;;
    *) echo "error: unknown argument '$arg' ($USAGE)." >&2; exit 2 ;;
  esac
done
if [ -n "$FORGET" ] && [ -z "$UNINSTALL" ]; then
  echo "error: --forget-secrets goes with --uninstall ($USAGE)." >&2
  exit 2
fi
if [ -n "$SYSTEM" ]; then
  DEST=/opt/billing-admin BIN=/usr/local/bin DATA=/usr/local/share
else
  DEST=$HOME/.local/opt/billing-admin BIN=$HOME/.local/bin
  DATA=${XDG_DATA_HOME:-$HOME/.local/share}
fi
SECRETS="Your Stripe key and database password stay in the keyring: 'billing-admin key delete'
and 'billing-admin database-password delete' (with --profile NAME for each profile) remove
them, as does '$0 --uninstall --forget-secrets'."

# Is $BIN/billing-admin ours (a link to $DEST/billing-admin), absent, or someone else's?
command_is() {
  if [ ! -e "$BIN/billing-admin" ] && [ ! -L "$BIN/billing-admin" ]; then
    echo absent
  elif [ "$(readlink "$BIN/billing-admin" 2>/dev/null || true)" = "$DEST/billing-admin" ]; then
    echo ours
  else
    echo other
  fi
}

if [ -n "$UNINSTALL" ]; then
  if [ -n "$FORGET" ] && [ -x "$DEST/billing-admin" ]; then
    # Every profile's key and database password, while the program is still here.
    for folder in "${BILLING_ADMIN_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/billing-admin}"/profiles/*/; do
      [ -d "$folder" ] || continue
      profile=$(basename "$folder")
      "$DEST/billing-admin" --profile "$profile" key delete || true
      "$DEST/billing-admin" --profile "$profile" database-password delete 2>/dev/null || true
    done
  fi
  "$HERE/install-desktop" --uninstall --data "$DATA"
  removed="$DEST"
  case $(command_is) in
    ours) rm -f "$BIN/billing-admin"; removed="$DEST and $BIN/billing-admin" ;;
    other) echo "Left $BIN/billing-admin alone: this script did not make it." ;;
  esac
  # This may be the installed copy of this script: the shell has read this whole if-block
  # before running it, so removing its folder is safe.
  rm -rf "$DEST"
  echo "Removed $removed."
  [ -n "$FORGET" ] || echo "$SECRETS"
  exit 0
fi

# The tarball against its SHA256SUMS, when both lie beside this unpacked folder.
SUMS=$(dirname -- "$HERE")/SHA256SUMS
TARBALL=$(dirname -- "$HERE")/$(basename -- "$HERE").tar.gz
if [ -f "$SUMS" ] && [ -f "$TARBALL" ]; then
  line=$(grep " [* ]\{0,1\}$(basename -- "$TARBALL")\$" "$SUMS" || true)
  if [ -z "$line" ]; then
    echo "error: $SUMS does not list $(basename -- "$TARBALL"): download both again." >&2
    exit 1
  fi
  if ! (cd "$(dirname -- "$HERE")" && printf '%s\n' "$line" | sha256sum -c --quiet - >/dev/null 2>&1); then
    echo "error: $TARBALL does not match its SHA256SUMS: download it again; nothing was installed." >&2
    exit 1
  fi
  echo "Checked $(basename -- "$TARBALL") against SHA256SUMS: ok."
fi

if [ "$HERE" != "$DEST" ]; then
  if [ ! -x "$HERE/billing-admin/billing-admin" ]; then
    echo "error: $HERE/billing-admin/billing-admin is missing: unpack the whole tarball." >&2
    exit 1
  fi
  # A new folder beside the old one, swapped in at the end: a failed copy leaves the old one.
  mkdir -p "$(dirname -- "$DEST")" "$BIN"
  rm -rf "$DEST.new"
  mkdir "$DEST.new"
  cp -R "$HERE/billing-admin/." "$DEST.new/"
  cp "$HERE/install.sh" "$HERE/install-desktop" "$DEST.new/"
  rm -rf "$DEST"
  mv "$DEST.new" "$DEST"
fi
if [ "$(command_is)" = other ]; then
  echo "Left $BIN/billing-admin alone: it is not a link to $DEST/billing-admin (something else" \
    "installed it); this one starts with $DEST/billing-admin."
  BIN=""
else
  ln -sfn "$DEST/billing-admin" "$BIN/billing-admin"
fi
"$DEST/install-desktop" --exec "$DEST/billing-admin" --resources "$DEST/_internal/resources" \
  --data "$DATA"
echo "Installed billing-admin $("$DEST/billing-admin" --version | cut -d' ' -f2) in $DEST."
if [ -n "$BIN" ]; then
  case ":$PATH:" in
    *":$BIN:"*) echo "Start it with: billing-admin" ;;
    *) echo "Start it with: $BIN/billing-admin ($BIN is not on your PATH yet)" ;;
  esac
fi
