#!/usr/bin/env sh
# Install billing-admin from its desktop bundle (this file is install.sh in the tarball that
# `make dist` builds; in the repository it is scripts/bundle-install.sh).
# Usage: ./install.sh [--user] [--uninstall]
#
# As an ordinary user (or with --user): the program goes to ~/.local/opt/billing-admin, the
# `billing-admin` command to ~/.local/bin, the menu entry and icon to ~/.local/share. As
# root: /opt/billing-admin, /usr/local/bin and /usr/local/share. Nothing else is touched;
# the data folder (~/.local/share/billing-admin: settings, cache, log) stays on --uninstall.
set -eu

HERE=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
SYSTEM=""
[ "$(id -u)" -eq 0 ] && SYSTEM=1
if [ "${1:-}" = "--user" ]; then
  SYSTEM=""
  shift
fi
if [ -n "$SYSTEM" ]; then
  DEST=/opt/billing-admin BIN=/usr/local/bin DATA=/usr/local/share
else
  DEST=$HOME/.local/opt/billing-admin BIN=$HOME/.local/bin
  DATA=${XDG_DATA_HOME:-$HOME/.local/share}
fi

if [ "${1:-}" = "--uninstall" ]; then
  "$HERE/install-desktop" --uninstall --data "$DATA"
  if [ "$(readlink "$BIN/billing-admin" 2>/dev/null || true)" = "$DEST/billing-admin" ]; then
    rm -f "$BIN/billing-admin"
  fi
  # This may be the installed copy of this script: the shell has read this whole if-block
  # before running it, so removing its folder is safe.
  rm -rf "$DEST"
  echo "Removed $DEST and $BIN/billing-admin."
  exit 0
elif [ $# -gt 0 ]; then
  echo "error: unknown argument '$1' (usage: $0 [--user] [--uninstall])." >&2
  exit 2
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
ln -sfn "$DEST/billing-admin" "$BIN/billing-admin"
"$DEST/install-desktop" --exec "$DEST/billing-admin" --resources "$DEST/_internal/resources" \
  --data "$DATA"
echo "Installed billing-admin $("$DEST/billing-admin" --version | cut -d' ' -f2) in $DEST."
case ":$PATH:" in
  *":$BIN:"*) echo "Start it with: billing-admin" ;;
  *) echo "Start it with: $BIN/billing-admin ($BIN is not on your PATH yet)" ;;
esac
