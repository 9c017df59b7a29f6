# Shell helpers shared by setup.sh and test.sh.
say() { printf '\033[1m[shapeseg]\033[0m %s\n' "$*"; }
is_root() { [ "$(id -u)" = 0 ]; }
have_apt() { command -v apt-get >/dev/null 2>&1; }

# Installs the Debian packages that are missing; as root on Debian/Ubuntu only, otherwise prints the exact command.
apt_install() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if is_root && have_apt; then
    say "installing ${missing[*]} with apt"
    if [ ! -f /tmp/.shapeseg-apt-updated ]; then apt-get update -qq && touch /tmp/.shapeseg-apt-updated; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "shapeseg needs: ${missing[*]}. Run: sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
}
