#include <git2.h>

/* libgit2 re-hashes every object it reads by default; git does not (corruption is fsck's job), and a
   history walk reads tens of thousands of trees and blobs. git_libgit2_opts is variadic, which Swift
   cannot call. */
static inline int rbc_git_disable_strict_hash_verification(void) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

/* libgit2 keeps up to 256 MiB of parsed commits and trees by default; a walk over 20,000 commits
   fills it (most of a cold history check's memory) while it needs only the last commit's trees. */
static inline int rbc_git_limit_object_cache(long bytes) {
    return git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)bytes);
}
