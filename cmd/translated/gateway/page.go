package gateway

import (
	"embed"
	"io/fs"
	"net/http"
)

// The page is plain HTML, CSS and JavaScript in web/, embedded in the
// binary: nothing to build, nothing fetched from elsewhere at run time.
//
//go:embed web
var webFiles embed.FS

// pageSecurity are the headers of the page and its files: only this
// server's scripts, styles and calls; exported pictures and downloads as
// data and blob URLs.
func pageSecurity(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

// pageHandler serves web/index.html at /.
func pageHandler() http.Handler {
	return pageSecurity(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, webFiles, "web/index.html")
	}))
}

// staticHandler serves the page's other files under /static/.
func staticHandler() http.Handler {
	sub, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // web is embedded: a build without it is a programmer error
	}
	return pageSecurity(http.StripPrefix("/static/", http.FileServerFS(sub)))
}
