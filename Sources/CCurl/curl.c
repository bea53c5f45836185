// libcurl for HTTP steps and webhooks, opened on first use (dlopen), not linked: loading libcurl and
// the libraries it needs (TLS, Kerberos, LDAP, IDN, PSL, SSH…: about 30) cost 6 ms of CPU at every
// start of rbc, a tenth of a warm `rbc check`, which never sends a request. Every function rbc calls
// is reached through `rbc_curl`, filled by `rbc_curl_load()`.
#include "CCurl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

/// The shared object's name (its soname: libcurl's ABI has been 4 since 2006).
#define RBC_CURL_LIBRARY "libcurl.so.4"

struct rbc_curl_functions {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    CURLcode (*easy_perform)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *text);
    void (*slist_free_all)(struct curl_slist *list);
};

static struct rbc_curl_functions rbc_curl;
static pthread_once_t rbc_curl_once = PTHREAD_ONCE_INIT;
/// Why libcurl could not be opened (dlerror's text), or NULL once every function was found.
static const char *rbc_curl_failure = "not loaded";
static char rbc_curl_failure_text[512];

static void rbc_curl_open(void) {
    void *library = dlopen(RBC_CURL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(rbc_curl_failure_text, sizeof rbc_curl_failure_text, "%s", reason ? reason : RBC_CURL_LIBRARY " not found");
        rbc_curl_failure = rbc_curl_failure_text;
        return;
    }
    struct { void **slot; const char *name; } symbols[] = {
        {(void **)&rbc_curl.global_init, "curl_global_init"},
        {(void **)&rbc_curl.easy_init, "curl_easy_init"},
        {(void **)&rbc_curl.easy_cleanup, "curl_easy_cleanup"},
        {(void **)&rbc_curl.easy_perform, "curl_easy_perform"},
        {(void **)&rbc_curl.easy_strerror, "curl_easy_strerror"},
        {(void **)&rbc_curl.easy_setopt, "curl_easy_setopt"},
        {(void **)&rbc_curl.easy_getinfo, "curl_easy_getinfo"},
        {(void **)&rbc_curl.slist_append, "curl_slist_append"},
        {(void **)&rbc_curl.slist_free_all, "curl_slist_free_all"},
    };
    for (size_t index = 0; index < sizeof symbols / sizeof symbols[0]; index++) {
        *symbols[index].slot = dlsym(library, symbols[index].name);
        if (*symbols[index].slot == NULL) {
            snprintf(rbc_curl_failure_text, sizeof rbc_curl_failure_text, "%s has no %s", RBC_CURL_LIBRARY, symbols[index].name);
            rbc_curl_failure = rbc_curl_failure_text;
            return;
        }
    }
    rbc_curl_failure = NULL;
}

const char *rbc_curl_load(void) {
    pthread_once(&rbc_curl_once, rbc_curl_open);
    return rbc_curl_failure;
}

CURLcode rbc_curl_global_init(long flags) { return rbc_curl.global_init(flags); }
CURL *rbc_curl_easy_init(void) { return rbc_curl.easy_init(); }
void rbc_curl_easy_cleanup(CURL *handle) { rbc_curl.easy_cleanup(handle); }
CURLcode rbc_curl_easy_perform(CURL *handle) { return rbc_curl.easy_perform(handle); }
const char *rbc_curl_easy_strerror(CURLcode code) { return rbc_curl.easy_strerror(code); }
struct curl_slist *rbc_curl_slist_append(struct curl_slist *list, const char *text) { return rbc_curl.slist_append(list, text); }
void rbc_curl_slist_free_all(struct curl_slist *list) { rbc_curl.slist_free_all(list); }

CURLcode rbc_curl_set_long(CURL *handle, CURLoption option, long value) {
    return rbc_curl.easy_setopt(handle, option, value);
}

CURLcode rbc_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return rbc_curl.easy_setopt(handle, option, value);
}

CURLcode rbc_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return rbc_curl.easy_setopt(handle, option, value);
}

CURLcode rbc_curl_set_headers(CURL *handle, struct curl_slist *headers) {
    return rbc_curl.easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
}

CURLcode rbc_curl_set_body(CURL *handle, const char *bytes, long length) {
    CURLcode code = rbc_curl.easy_setopt(handle, CURLOPT_POSTFIELDSIZE, length);
    return code != CURLE_OK ? code : rbc_curl.easy_setopt(handle, CURLOPT_COPYPOSTFIELDS, bytes);
}

CURLcode rbc_curl_set_write_function(CURL *handle, curl_write_callback callback) {
    return rbc_curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

CURLcode rbc_curl_set_header_function(CURL *handle, curl_write_callback callback) {
    return rbc_curl.easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

CURLcode rbc_curl_set_progress_function(CURL *handle, curl_xferinfo_callback callback) {
    return rbc_curl.easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

long rbc_curl_response_code(CURL *handle) {
    long code = 0;
    return rbc_curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK ? code : 0;
}
