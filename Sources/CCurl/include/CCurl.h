// libcurl for HTTP steps and webhooks, opened on first use (curl.c), not linked. Every function rbc
// calls goes through these wrappers; curl_easy_setopt and curl_easy_getinfo are variadic, which
// Swift cannot call, so options are set through typed ones.
#ifndef RBC_CCURL_H
#define RBC_CCURL_H

#include <curl/curl.h>

/// Opens libcurl once per process (any thread): NULL when every function rbc calls was found,
/// else why not (dlerror's text). The other functions may be called only after a NULL.
const char *rbc_curl_load(void);

CURLcode rbc_curl_global_init(long flags);
CURL *rbc_curl_easy_init(void);
void rbc_curl_easy_cleanup(CURL *handle);
CURLcode rbc_curl_easy_perform(CURL *handle);
const char *rbc_curl_easy_strerror(CURLcode code);
struct curl_slist *rbc_curl_slist_append(struct curl_slist *list, const char *text);
void rbc_curl_slist_free_all(struct curl_slist *list);

CURLcode rbc_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode rbc_curl_set_string(CURL *handle, CURLoption option, const char *value);
CURLcode rbc_curl_set_pointer(CURL *handle, CURLoption option, void *value);
CURLcode rbc_curl_set_headers(CURL *handle, struct curl_slist *headers);
/// The request body, copied by libcurl (the caller's buffer need not outlive the call).
CURLcode rbc_curl_set_body(CURL *handle, const char *bytes, long length);
CURLcode rbc_curl_set_write_function(CURL *handle, curl_write_callback callback);
/// Called with each header line of every response, redirects included.
CURLcode rbc_curl_set_header_function(CURL *handle, curl_write_callback callback);
CURLcode rbc_curl_set_progress_function(CURL *handle, curl_xferinfo_callback callback);
long rbc_curl_response_code(CURL *handle);

#endif
