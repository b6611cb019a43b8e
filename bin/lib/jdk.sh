# Sourced by bin/mm1j, bin/with-jdk25 and .ci/run: finds a JDK >= 25 and exports JAVA_HOME.
# Order: $JAVA_HOME, `java` on the PATH, then the usual install locations.
# On failure prints one line saying what to install or set, and returns 1.

mm1j_java_major() { # $1 = path to a java binary; prints its feature version (e.g. 25) or nothing
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

mm1j_find_jdk() {
  local need=${MM1J_MIN_JAVA:-25} cand major java
  local -a cands=()
  [ -n "${JAVA_HOME:-}" ] && cands+=("$JAVA_HOME")
  if java=$(command -v java 2>/dev/null); then
    java=$(readlink -f "$java" 2>/dev/null || echo "$java")
    cands+=("$(dirname "$(dirname "$java")")")
  fi
  for cand in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /usr/local/jdk* /usr/local/java/* \
              "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$cand" ] && cands+=("$cand")
  done
  for cand in "${cands[@]}"; do
    [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    major=$(mm1j_java_major "$cand/bin/java")
    if [ -n "$major" ] && [ "$major" -ge "$need" ]; then
      export JAVA_HOME="$cand"
      return 0
    fi
  done
  echo "mm1j: no JDK >= $need found (looked at JAVA_HOME, java on the PATH and /usr/lib/jvm/*); install one (e.g. Temurin $need: https://adoptium.net) and set JAVA_HOME to it." >&2
  return 1
}
