#!/usr/bin/env node

// A static file server for the demo, on 127.0.0.1 only: serves the repository root so the page
// finds ../../dist/browser/blasnet.mjs. Run from the repository root:
//   npm run build:browser && node examples/browser/serve.js   then open the URL it prints.
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.blasnet': 'application/octet-stream',
};

/** A server for the files under `root` (GET only, no directory listing, nothing outside root). */
function createStaticServer(root) {
  const base = path.resolve(root);
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let file = path.resolve(base, `.${decodeURIComponent(url.pathname)}`);
    if (!file.startsWith(base + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    if (url.pathname.endsWith('/')) file = path.join(file, 'index.html');
    fs.readFile(file, (error, data) => {
      if (error || req.method !== 'GET') {
        res.writeHead(error ? 404 : 405).end();
        return;
      }
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(data);
    });
  });
}

module.exports = { createStaticServer };

if (require.main === module) {
  const port = Number(process.env.PORT ?? 8080);
  createStaticServer(path.resolve(__dirname, '..', '..')).listen(port, '127.0.0.1', () =>
    console.log(`blasnet browser demo: http://127.0.0.1:${port}/examples/browser/`),
  );
}
