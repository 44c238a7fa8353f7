# Shared by squall's scripts; source it, do not run it.
#   squall_root       the repository root (works from any current directory, through symlinks)
#   squall_find_jdk   sets JAVA_HOME and SQUALL_JAVA to a JDK >= 25, or exits saying where it looked:
#                     $JAVA_HOME, java on the PATH, then the newest under /usr/lib/jvm, ~/.jdks and
#                     ~/.sdkman/candidates/java (SQUALL_JDK_SEARCH_DIRS, colon-separated, replaces that list)
#   SQUALL_JVM_FLAGS  the flags every JVM that runs squall needs
#   squall_maven      runs the Maven wrapper from the repository root with the flags Maven needs on JDK 25
#   squall_exec_java  replaces the shell with $SQUALL_JAVA, minus the JVM's incubator-module warning on stderr
#   squall_build STAMP OUTPUTS TARGET MODULE...   builds Maven module TARGET when an output is missing or a
#                     MODULE changed since STAMP, saying so on standard error
#   squall_usage FILE prints the comment block at the top of FILE, its usage (for -h and --help)
#   squall_is_help ARG... true if the first argument is -h or --help
#   squall_error_file the JVM flag that sends a crash report (hs_err_pid*.log) to the cache folder
#                     instead of the current folder, creating the folder

SQUALL_MIN_JAVA=25
# Flags every JVM that runs squall needs (the same list as squall.jvm.flags in pom.xml): LWJGL and the CUDA
# binding call native code; the JVM device's vector math uses the Vector API, an incubator module in JDK 25.
SQUALL_JVM_FLAGS=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow --add-modules=jdk.incubator.vector)

squall_root() {
    local here
    here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
    (cd "$here/../.." && pwd -P)
}

# The feature version (25, 17, 8) of the java binary $1; empty if it does not run.
squall_java_version() {
    local spec
    spec=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1) || true
    case "$spec" in
        1.*) echo "${spec#1.}" ;;
        *) echo "${spec%%.*}" ;;
    esac
}

# "25" if $1 is a JDK home (bin/java and bin/javac) of version >= 25; else a reason, and status 1.
_squall_check_home() {
    local home=$1 version
    if [[ ! -x "$home/bin/java" ]]; then
        echo "no bin/java"
        return 1
    fi
    version=$(squall_java_version "$home/bin/java")
    if [[ -z "$version" ]]; then
        echo "bin/java does not run"
        return 1
    fi
    if [[ ! -x "$home/bin/javac" ]]; then
        echo "Java $version without javac (a JRE, not a JDK)"
        return 1
    fi
    if ((version < SQUALL_MIN_JAVA)); then
        echo "JDK $version, too old"
        return 1
    fi
    echo "$version"
}

squall_find_jdk() {
    local looked=() why home best_home="" best_version=0 dir candidate

    if [[ -n "${JAVA_HOME:-}" ]]; then
        if why=$(_squall_check_home "$JAVA_HOME"); then
            _squall_use_jdk "$JAVA_HOME"
            return 0
        fi
        looked+=("JAVA_HOME=$JAVA_HOME: $why")
    else
        looked+=("JAVA_HOME: not set")
    fi

    if candidate=$(command -v java 2>/dev/null); then
        home=$(dirname "$(dirname "$(readlink -f "$candidate")")")
        if why=$(_squall_check_home "$home"); then
            _squall_use_jdk "$home"
            return 0
        fi
        looked+=("java on the PATH ($candidate, in $home): $why")
    else
        looked+=("java on the PATH: none")
    fi

    local search=(/usr/lib/jvm "$HOME/.jdks" "$HOME/.sdkman/candidates/java")
    if [[ -n "${SQUALL_JDK_SEARCH_DIRS:-}" ]]; then
        IFS=: read -r -a search <<<"$SQUALL_JDK_SEARCH_DIRS"
    fi
    for dir in "${search[@]}"; do
        if [[ ! -d "$dir" ]]; then
            looked+=("$dir: no such folder")
            continue
        fi
        local found=()
        for home in "$dir"/*; do
            [[ -d "$home" ]] || continue
            if why=$(_squall_check_home "$home"); then
                if ((why > best_version)); then
                    best_version=$why
                    best_home=$home
                fi
            else
                found+=("$(basename "$home") ($why)")
            fi
        done
        if ((${#found[@]} > 0)); then
            local joined
            joined=$(printf '%s; ' "${found[@]}")
            looked+=("$dir: ${joined%; }")
        else
            looked+=("$dir: no JDKs")
        fi
    done
    if [[ -n "$best_home" ]]; then
        _squall_use_jdk "$best_home"
        return 0
    fi

    {
        echo "squall: needs a JDK $SQUALL_MIN_JAVA or newer (java and javac) and found none. Looked at:"
        printf '  %s\n' "${looked[@]}"
        echo "Install one (for example 'apt-get install temurin-25-jdk' or 'sdk install java 25-tem') or point JAVA_HOME at it."
    } >&2
    exit 1
}

_squall_use_jdk() {
    export JAVA_HOME=$1
    SQUALL_JAVA="$1/bin/java"
}

# Runs ./mvnw in the repository root; Maven's own libraries need the Unsafe flag on JDK 25.
squall_maven() {
    local root
    root=$(squall_root)
    case " ${MAVEN_OPTS:-} " in
        *" --sun-misc-unsafe-memory-access=allow "*) ;;
        *) export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow" ;;
    esac
    case " ${MAVEN_OPTS} " in
        *" -XX:ErrorFile="*) ;;
        *) MAVEN_OPTS+=" $(squall_error_file)" ;;
    esac
    (cd "$root" && ./mvnw "$@")
}

# The one line every JVM start prints because SQUALL_JVM_FLAGS adds the Vector API's incubator module. It is no news
# to someone running squall, and looks like a problem; squall_exec_java drops exactly this line.
SQUALL_INCUBATOR_WARNING="WARNING: Using incubator modules: jdk.incubator.vector"

# Replaces this shell with "$SQUALL_JAVA" ARGS (so signals and the exit status are java's own), its standard error
# passed through a filter that drops $SQUALL_INCUBATOR_WARNING. The real standard error stays open on another
# descriptor, named by -Dsquall.stderr.fd; squall's main methods put it back on descriptor 2 first thing
# (squall.tasks.cli.StandardError), so terminal detection is unchanged and the filter ends once they start.
squall_exec_java() {
    local saved
    exec {saved}>&2
    exec 2> >(_squall_drop_incubator_warning >&"$saved")
    exec "$SQUALL_JAVA" "-Dsquall.stderr.fd=$saved" "$@"
}

# Copies standard input to standard output, without $SQUALL_INCUBATOR_WARNING: line by line until that line (the
# JVM prints it before anything else of its own), then byte for byte, so a progress bar's redraws pass at once.
_squall_drop_incubator_warning() {
    trap '' INT   # Ctrl-C stops java; its last words still need passing through
    local line
    while IFS= read -r line; do
        if [[ "$line" == "$SQUALL_INCUBATOR_WARNING" ]]; then
            exec cat
        fi
        printf '%s\n' "$line"
    done
    if [[ -n "$line" ]]; then
        printf '%s' "$line"
    fi
}

# Why a build is needed, for the line that says one runs: "first run" when the stamp or one of the outputs (a
# space-separated list of paths) is missing, "kernels changed" when a pom or a source under a module folder (or
# the file itself, for a pom given alone) is newer than the stamp; nothing when the build is up to date. The stamp
# is the start of the last successful build: Maven leaves an unchanged jar's time alone, so a jar's own time would
# not do.
#   squall_build_reason STAMP "OUTPUT..." FOLDER_OR_POM...
squall_build_reason() {
    local stamp=$1 output module
    local -a outputs
    read -r -a outputs <<<"$2"
    shift 2
    for output in "$stamp" "${outputs[@]}"; do
        if [[ ! -e "$output" ]]; then
            echo "first run"
            return
        fi
    done
    for module in "$@"; do
        if [[ -n "$(find "$module" -newer "$stamp" \( -name pom.xml -o -path '*/src/*' \) -not -path '*/target/*' \
            -print -quit 2>/dev/null)" ]]; then
            echo "$(basename "$module") changed"
            return
        fi
    done
}

# Builds Maven module TARGET and what it needs (-DskipTests) when squall_build_reason says so, saying why on
# standard error first: a build takes seconds to a minute or two (the first one downloads Maven and the libraries),
# and standard output is the command's own. Stops the script with Maven's log when the build fails.
squall_build() {
    local stamp=$1 outputs=$2 target=$3 reason started log
    shift 3
    reason=$(squall_build_reason "$stamp" "$outputs" "$(squall_root)/pom.xml" "${@/#/$(squall_root)/}")
    [[ -n "$reason" ]] || return 0
    echo "squall: building ($reason)..." >&2
    started=$(date +%s.%N)
    log=$(mktemp)
    if ! squall_maven -q -DskipTests -pl "$target" -am package >"$log" 2>&1; then
        echo "squall: the build failed (./mvnw -q -DskipTests -pl $target -am package in $(squall_root)):" >&2
        cat "$log" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
    touch -d "@$started" "$stamp"
}

# The comment block after the shebang, without its "# ": every script's usage is written there, once.
squall_usage() {
    sed -n '2,/^[^#]/{/^#/!q;s/^# \{0,1\}//;p}' "$1"
}

squall_is_help() {
    [[ $# -gt 0 && ( "$1" == "-h" || "$1" == "--help" ) ]]
}

# Where squall keeps what it builds once (squall.runtime.CacheFolder says the same in Java): a JVM that
# crashes in native code writes its report there, not into whatever folder the user ran the command from.
squall_error_file() {
    local cache=${SQUALL_CACHE_DIR:-}
    [[ -n "${cache// /}" ]] || cache="$HOME/.cache/squall"
    mkdir -p "$cache" 2>/dev/null || true
    echo "-XX:ErrorFile=$cache/hs_err_pid%p.log"
}
