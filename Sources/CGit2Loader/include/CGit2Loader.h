// libgit2 opened on first use (see loader.c): the functions of git2.h that rbc calls are defined
// there, each calling libgit2's own through a table filled by dlopen, so a run that never reads
// git history (a warm `rbc check`, `--no-git`, a run) never loads libgit2 and its libraries.
#ifndef RBC_CGIT2_LOADER_H
#define RBC_CGIT2_LOADER_H

/* libgit2 re-hashes every object it reads by default; git does not (corruption is fsck's job), and a
   history walk reads tens of thousands of trees and blobs. git_libgit2_opts is variadic, which Swift
   cannot call. */
int rbc_git_disable_strict_hash_verification(void);

/* libgit2 keeps up to 256 MiB of parsed commits and trees by default; a walk over 20,000 commits
   fills it (most of a cold history check's memory), looks up and stores every object it reads in a
   hash table, and evicts from it while it runs, yet meets each object once: the walk keeps the trees
   it still needs itself, and reads packs through its own delta-base cache (GitPacks.swift). */
int rbc_git_disable_object_cache(void);

#endif
