#include <git2.h>

/* libgit2 re-hashes every object it reads by default; git does not (corruption is fsck's job), and a
   history walk reads tens of thousands of trees and blobs. git_libgit2_opts is variadic, which Swift
   cannot call. */
static inline int rbc_git_disable_strict_hash_verification(void) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

/* libgit2 keeps up to 256 MiB of parsed commits and trees by default; a walk over 20,000 commits
   fills it (most of a cold history check's memory), looks up and stores every object it reads in a
   hash table, and evicts from it while it runs, yet meets each object once: the walk keeps the trees
   it still needs itself, and reads packs through its own delta-base cache (GitPacks.swift). */
static inline int rbc_git_disable_object_cache(void) {
    return git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
}
