// Runs the npm libretranslate client against a translated server and
// prints what it returned, as JSON: node client.js http://host:port
// (cmd/translated/gateway/libre_node_test.go).
'use strict';
const { translate } = require('libretranslate');

const apiurl = process.argv[2];

(async () => {
  const out = {};
  // No source: the client sends "auto".
  out.auto = await translate({ query: '¿Dónde está la estación de tren?', target: 'en', apiurl });
  out.explicit = await translate({ query: 'Hello, how are you today?', source: 'en', target: 'es', apiurl });
  out.html = await translate({ query: '<p>Hello, how are you today?</p>', source: 'en', target: 'es', format: 'html', apiurl });
  try {
    await translate({ query: 'Bonjour', source: 'auto', target: 'fr', apiurl });
    out.unknown = 'no error';
  } catch (e) {
    out.unknown = e.message;
  }
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
