// njs (nginx JavaScript) HS256 check: alg, credential by iss, HMAC-SHA256 signature, exp.
// The harness replaces the SECRETS placeholder with the generated key -> secret table.
var crypto = require('crypto');
var SECRETS = /*SECRETS*/{};

function verify(r) {
  var h = r.headersIn.Authorization;
  if (!h || h.indexOf('Bearer ') !== 0) return '0';
  var parts = h.slice(7).split('.');
  if (parts.length !== 3) return '0';
  try {
    var header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
    if (header.alg !== 'HS256') return '0';
    var payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    var secret = SECRETS[payload.iss];
    if (typeof secret !== 'string') return '0';
    var sig = crypto.createHmac('sha256', secret).update(parts[0] + '.' + parts[1]).digest('base64url');
    if (sig !== parts[2]) return '0';
    if (typeof payload.exp === 'number' && payload.exp <= Date.now() / 1000) return '0';
    return '1';
  } catch (e) {
    return '0';
  }
}

export default { verify };
