// libgit2, opened on first use (dlopen) instead of linked. Loading libgit2 and what it needs
// (mbedTLS, libssh2, http-parser, PCRE2) at every start cost 2–3 ms of CPU, a twentieth of a warm
// `rbc check` of 2,000 runbooks with history, which never asks libgit2 anything (GitLocation reads
// HEAD itself). Each function of git2.h that rbc calls is defined here under its own name, with
// git2.h's declaration (so the compiler checks every signature), and calls libgit2's through
// `functions`, filled once from the shared object named by the headers rbc was built with.
// These definitions are not exported (the executable has no dynamic symbols), so libgit2's calls to
// itself never reach them. A function missing here fails the link: add it to RBC_GIT2_FUNCTIONS and
// define it below like the others.
#include <git2.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include "CGit2Loader.h"

#define RBC_GIT2_LIBRARY "libgit2.so." LIBGIT2_SOVERSION

#define RBC_GIT2_FUNCTIONS(X) \
    X(git_blob_free) \
    X(git_blob_lookup) \
    X(git_blob_rawcontent) \
    X(git_blob_rawsize) \
    X(git_commit_author) \
    X(git_commit_free) \
    X(git_commit_id) \
    X(git_commit_lookup) \
    X(git_commit_parent_id) \
    X(git_commit_parentcount) \
    X(git_commit_summary) \
    X(git_commit_time) \
    X(git_commit_tree) \
    X(git_diff_find_options_init) \
    X(git_diff_find_similar) \
    X(git_diff_free) \
    X(git_diff_get_delta) \
    X(git_diff_num_deltas) \
    X(git_diff_options_init) \
    X(git_diff_tree_to_index) \
    X(git_diff_tree_to_tree) \
    X(git_diff_tree_to_workdir_with_index) \
    X(git_error_last) \
    X(git_index_entrycount) \
    X(git_index_free) \
    X(git_index_get_byindex) \
    X(git_index_get_bypath) \
    X(git_libgit2_init) \
    X(git_object_free) \
    X(git_object_id) \
    X(git_object_peel) \
    X(git_object_type2string) \
    X(git_odb_free) \
    X(git_odb_object_data) \
    X(git_odb_object_free) \
    X(git_odb_object_size) \
    X(git_odb_object_type) \
    X(git_odb_read) \
    X(git_oid_equal) \
    X(git_oid_fromstr) \
    X(git_oid_fromstrn) \
    X(git_oid_is_zero) \
    X(git_oid_tostr) \
    X(git_reference_name_to_id) \
    X(git_repository_commondir) \
    X(git_repository_free) \
    X(git_repository_hashfile) \
    X(git_repository_index) \
    X(git_repository_odb) \
    X(git_repository_open_ext) \
    X(git_repository_path) \
    X(git_repository_workdir) \
    X(git_revparse_single) \
    X(git_revwalk_free) \
    X(git_revwalk_new) \
    X(git_revwalk_next) \
    X(git_revwalk_push) \
    X(git_revwalk_simplify_first_parent) \
    X(git_status_file) \
    X(git_tree_entry_bypath) \
    X(git_tree_entry_filemode) \
    X(git_tree_entry_free) \
    X(git_tree_entry_id) \
    X(git_tree_free) \
    X(git_tree_lookup) \
    X(git_libgit2_opts)

#define RBC_GIT2_MEMBER(name) __typeof__(name) *name;
static struct { RBC_GIT2_FUNCTIONS(RBC_GIT2_MEMBER) } functions;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int loaded;

/// Every function or none: without libgit2 rbc cannot answer what needs history, and a libgit2
/// function returns no error it could give instead, so rbc stops with exit 2 (usage or internal failure).
static void open_library(void) {
    void *library = dlopen(RBC_GIT2_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        fprintf(stderr, "rbc: error: cannot load %s, which reading git history needs: %s\n", RBC_GIT2_LIBRARY, reason ? reason : "not found");
        exit(2);
    }
#define RBC_GIT2_SYMBOL(name) \
    functions.name = (__typeof__(name) *)dlsym(library, #name); \
    if (functions.name == NULL) { \
        fprintf(stderr, "rbc: error: %s has no %s\n", RBC_GIT2_LIBRARY, #name); \
        exit(2); \
    }
    RBC_GIT2_FUNCTIONS(RBC_GIT2_SYMBOL)
    atomic_store_explicit(&loaded, 1, memory_order_release);
}

/// The table, filled: one load on every call after the first (the cold history walk makes millions).
static inline void ensure_open(void) {
    if (__builtin_expect(!atomic_load_explicit(&loaded, memory_order_acquire), 0)) pthread_once(&once, open_library);
}

#define RBC_GIT2(name) (ensure_open(), functions.name)

int rbc_git_disable_strict_hash_verification(void) {
    return RBC_GIT2(git_libgit2_opts)(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

int rbc_git_disable_object_cache(void) {
    return RBC_GIT2(git_libgit2_opts)(GIT_OPT_ENABLE_CACHING, 0);
}

void git_blob_free(git_blob *blob) { RBC_GIT2(git_blob_free)(blob); }
int git_blob_lookup(git_blob **blob, git_repository *repo, const git_oid *id) { return RBC_GIT2(git_blob_lookup)(blob, repo, id); }
const void *git_blob_rawcontent(const git_blob *blob) { return RBC_GIT2(git_blob_rawcontent)(blob); }
git_object_size_t git_blob_rawsize(const git_blob *blob) { return RBC_GIT2(git_blob_rawsize)(blob); }
const git_signature *git_commit_author(const git_commit *commit) { return RBC_GIT2(git_commit_author)(commit); }
void git_commit_free(git_commit *commit) { RBC_GIT2(git_commit_free)(commit); }
const git_oid *git_commit_id(const git_commit *commit) { return RBC_GIT2(git_commit_id)(commit); }
int git_commit_lookup(git_commit **commit, git_repository *repo, const git_oid *id) { return RBC_GIT2(git_commit_lookup)(commit, repo, id); }
const git_oid *git_commit_parent_id(const git_commit *commit, unsigned int n) { return RBC_GIT2(git_commit_parent_id)(commit, n); }
unsigned int git_commit_parentcount(const git_commit *commit) { return RBC_GIT2(git_commit_parentcount)(commit); }
const char *git_commit_summary(git_commit *commit) { return RBC_GIT2(git_commit_summary)(commit); }
git_time_t git_commit_time(const git_commit *commit) { return RBC_GIT2(git_commit_time)(commit); }
int git_commit_tree(git_tree **tree_out, const git_commit *commit) { return RBC_GIT2(git_commit_tree)(tree_out, commit); }
int git_diff_find_options_init(git_diff_find_options *opts, unsigned int version) { return RBC_GIT2(git_diff_find_options_init)(opts, version); }
int git_diff_find_similar(git_diff *diff, const git_diff_find_options *options) { return RBC_GIT2(git_diff_find_similar)(diff, options); }
void git_diff_free(git_diff *diff) { RBC_GIT2(git_diff_free)(diff); }
const git_diff_delta *git_diff_get_delta(const git_diff *diff, size_t idx) { return RBC_GIT2(git_diff_get_delta)(diff, idx); }
size_t git_diff_num_deltas(const git_diff *diff) { return RBC_GIT2(git_diff_num_deltas)(diff); }
int git_diff_options_init(git_diff_options *opts, unsigned int version) { return RBC_GIT2(git_diff_options_init)(opts, version); }
int git_diff_tree_to_index(git_diff **diff, git_repository *repo, git_tree *old_tree, git_index *index, const git_diff_options *opts) { return RBC_GIT2(git_diff_tree_to_index)(diff, repo, old_tree, index, opts); }
int git_diff_tree_to_tree(git_diff **diff, git_repository *repo, git_tree *old_tree, git_tree *new_tree, const git_diff_options *opts) { return RBC_GIT2(git_diff_tree_to_tree)(diff, repo, old_tree, new_tree, opts); }
int git_diff_tree_to_workdir_with_index(git_diff **diff, git_repository *repo, git_tree *old_tree, const git_diff_options *opts) { return RBC_GIT2(git_diff_tree_to_workdir_with_index)(diff, repo, old_tree, opts); }
const git_error *git_error_last(void) { return RBC_GIT2(git_error_last)(); }
size_t git_index_entrycount(const git_index *index) { return RBC_GIT2(git_index_entrycount)(index); }
void git_index_free(git_index *index) { RBC_GIT2(git_index_free)(index); }
const git_index_entry *git_index_get_byindex(git_index *index, size_t n) { return RBC_GIT2(git_index_get_byindex)(index, n); }
const git_index_entry *git_index_get_bypath(git_index *index, const char *path, int stage) { return RBC_GIT2(git_index_get_bypath)(index, path, stage); }
int git_libgit2_init(void) { return RBC_GIT2(git_libgit2_init)(); }
void git_object_free(git_object *object) { RBC_GIT2(git_object_free)(object); }
const git_oid *git_object_id(const git_object *obj) { return RBC_GIT2(git_object_id)(obj); }
int git_object_peel(git_object **peeled, const git_object *object, git_object_t target_type) { return RBC_GIT2(git_object_peel)(peeled, object, target_type); }
const char *git_object_type2string(git_object_t type) { return RBC_GIT2(git_object_type2string)(type); }
void git_odb_free(git_odb *db) { RBC_GIT2(git_odb_free)(db); }
const void *git_odb_object_data(git_odb_object *object) { return RBC_GIT2(git_odb_object_data)(object); }
void git_odb_object_free(git_odb_object *object) { RBC_GIT2(git_odb_object_free)(object); }
size_t git_odb_object_size(git_odb_object *object) { return RBC_GIT2(git_odb_object_size)(object); }
git_object_t git_odb_object_type(git_odb_object *object) { return RBC_GIT2(git_odb_object_type)(object); }
int git_odb_read(git_odb_object **out, git_odb *db, const git_oid *id) { return RBC_GIT2(git_odb_read)(out, db, id); }
int git_oid_equal(const git_oid *a, const git_oid *b) { return RBC_GIT2(git_oid_equal)(a, b); }
int git_oid_fromstr(git_oid *out, const char *str) { return RBC_GIT2(git_oid_fromstr)(out, str); }
int git_oid_fromstrn(git_oid *out, const char *str, size_t length) { return RBC_GIT2(git_oid_fromstrn)(out, str, length); }
int git_oid_is_zero(const git_oid *id) { return RBC_GIT2(git_oid_is_zero)(id); }
char *git_oid_tostr(char *out, size_t n, const git_oid *id) { return RBC_GIT2(git_oid_tostr)(out, n, id); }
int git_reference_name_to_id(git_oid *out, git_repository *repo, const char *name) { return RBC_GIT2(git_reference_name_to_id)(out, repo, name); }
const char *git_repository_commondir(const git_repository *repo) { return RBC_GIT2(git_repository_commondir)(repo); }
void git_repository_free(git_repository *repo) { RBC_GIT2(git_repository_free)(repo); }
int git_repository_hashfile(git_oid *out, git_repository *repo, const char *path, git_object_t type, const char *as_path) { return RBC_GIT2(git_repository_hashfile)(out, repo, path, type, as_path); }
int git_repository_index(git_index **out, git_repository *repo) { return RBC_GIT2(git_repository_index)(out, repo); }
int git_repository_odb(git_odb **out, git_repository *repo) { return RBC_GIT2(git_repository_odb)(out, repo); }
int git_repository_open_ext(git_repository **out, const char *path, unsigned int flags, const char *ceiling_dirs) { return RBC_GIT2(git_repository_open_ext)(out, path, flags, ceiling_dirs); }
const char *git_repository_path(const git_repository *repo) { return RBC_GIT2(git_repository_path)(repo); }
const char *git_repository_workdir(const git_repository *repo) { return RBC_GIT2(git_repository_workdir)(repo); }
int git_revparse_single(git_object **out, git_repository *repo, const char *spec) { return RBC_GIT2(git_revparse_single)(out, repo, spec); }
void git_revwalk_free(git_revwalk *walk) { RBC_GIT2(git_revwalk_free)(walk); }
int git_revwalk_new(git_revwalk **out, git_repository *repo) { return RBC_GIT2(git_revwalk_new)(out, repo); }
int git_revwalk_next(git_oid *out, git_revwalk *walk) { return RBC_GIT2(git_revwalk_next)(out, walk); }
int git_revwalk_push(git_revwalk *walk, const git_oid *id) { return RBC_GIT2(git_revwalk_push)(walk, id); }
int git_revwalk_simplify_first_parent(git_revwalk *walk) { return RBC_GIT2(git_revwalk_simplify_first_parent)(walk); }
int git_status_file(unsigned int *status_flags, git_repository *repo, const char *path) { return RBC_GIT2(git_status_file)(status_flags, repo, path); }
int git_tree_entry_bypath(git_tree_entry **out, const git_tree *root, const char *path) { return RBC_GIT2(git_tree_entry_bypath)(out, root, path); }
git_filemode_t git_tree_entry_filemode(const git_tree_entry *entry) { return RBC_GIT2(git_tree_entry_filemode)(entry); }
void git_tree_entry_free(git_tree_entry *entry) { RBC_GIT2(git_tree_entry_free)(entry); }
const git_oid *git_tree_entry_id(const git_tree_entry *entry) { return RBC_GIT2(git_tree_entry_id)(entry); }
void git_tree_free(git_tree *tree) { RBC_GIT2(git_tree_free)(tree); }
int git_tree_lookup(git_tree **out, git_repository *repo, const git_oid *id) { return RBC_GIT2(git_tree_lookup)(out, repo, id); }
