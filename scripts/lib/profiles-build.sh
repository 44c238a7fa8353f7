# Shared by scripts/profile and scripts/bench; source it after common.sh.
#   squall_profiles_build ROOT   builds profiles/target/squall-profiles.jar and its lib/ folder when missing or
#                                older than a source or pom of host, kernels, tasks or profiles

squall_profiles_build() {
    local root=$1
    squall_build "$root/profiles/target/.squall-build-stamp" \
        "$root/profiles/target/squall-profiles.jar $root/profiles/target/lib" profiles host kernels tasks profiles
}
