#include <git2.h>

/* libgit2 re-hashes every object it reads by default; git does not (corruption is fsck's job), and a
   history walk reads tens of thousands of trees and blobs. git_libgit2_opts is variadic, which Swift
   cannot call. */
static inline int rbc_git_disable_strict_hash_verification(void) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}
