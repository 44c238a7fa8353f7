# Shared by scripts/profile and scripts/bench; source it after common.sh.
#   squall_profiles_build ROOT   builds profiles/target/squall-profiles.jar and its lib/ folder when missing or
#                                older than a source or pom of host, kernels, tasks or profiles

squall_profiles_build() {
    local root=$1
    local jar="$root/profiles/target/squall-profiles.jar"
    local lib="$root/profiles/target/lib"
    # The stamp records the start of the last successful build: Maven leaves an unchanged jar's time alone.
    local stamp="$root/profiles/target/.squall-build-stamp"
    local changed=""
    if [[ -f "$jar" && -d "$lib" && -f "$stamp" ]]; then
        changed=$(find "$root/pom.xml" "$root"/{host,kernels,tasks,profiles}/pom.xml \
            "$root"/{host,kernels,tasks,profiles}/src -newer "$stamp" -print -quit 2>/dev/null || true)
        [[ -n "$changed" ]] || return 0
    fi
    local started log
    started=$(date +%s.%N)
    log=$(mktemp)
    if ! squall_maven -q -DskipTests -pl profiles -am package >"$log" 2>&1; then
        echo "squall: the build failed (./mvnw -q -DskipTests -pl profiles -am package in $root):" >&2
        cat "$log" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
    touch -d "@$started" "$stamp"
}
