//! Header values as lists: comma-separated elements (RFC 9110 §5.6.1), tokens (§5.6.2),
//! and the `Sec-WebSocket-Extensions` grammar (RFC 6455 §9.1) with the permessage-deflate
//! parameters of RFC 7692 §7.1.
//!
//! Every reader here is one forward pass over the value: no backtracking, no regular
//! expression, so a hostile value costs time linear in its length.

/// `tchar` (RFC 9110 §5.6.2): the bytes a token is made of.
static TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    t
};

#[inline(always)]
pub fn is_tchar(b: u8) -> bool {
    TCHAR[b as usize]
}

/// Whether `s` is a token: one or more `tchar`.
pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim(s: &[u8]) -> &[u8] {
    crate::key::trim_ows(s)
}

/// The elements of a comma-separated list, OWS trimmed, empty ones included (a reader skips
/// them, RFC 9110 §5.6.1). Commas inside quoted strings are not special-cased: the lists read
/// with this (`Connection`, `Upgrade`, `Sec-WebSocket-Protocol`) hold tokens only.
pub fn elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value.split(|&b| b == b',').map(trim)
}

/// Whether the list `value` holds `token` as a whole element, ASCII case ignored.
pub fn has_token(value: &[u8], token: &[u8]) -> bool {
    elements(value).any(|e| e.eq_ignore_ascii_case(token))
}

/// One element of an extension list: a name and its parameters, or a malformed element
/// (`name` is then what could be read of it and `valid` is false).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtensionOffer<'b> {
    pub name: &'b [u8],
    /// The parameters as sent (from the first `;`), for [`ExtensionOffer::params`].
    pub raw_params: &'b [u8],
    pub valid: bool,
}

/// One extension parameter. A quoted value comes without its quotes (a value with a
/// backslash escape makes its offer invalid: RFC 6455 §9.1 wants a token after unescaping).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtensionParam<'b> {
    pub name: &'b [u8],
    pub value: Option<&'b [u8]>,
}

impl<'b> ExtensionOffer<'b> {
    /// The parameters of a valid offer, in order.
    pub fn params(&self) -> impl Iterator<Item = ExtensionParam<'b>> {
        let raw = if self.valid { self.raw_params } else { &[] };
        let mut cursor = Cursor { s: raw, i: 0 };
        core::iter::from_fn(move || {
            cursor.skip_ows();
            if !cursor.eat(b';') {
                return None;
            }
            cursor.param().ok()
        })
    }
}

/// A forward-only reader over one value.
struct Cursor<'b> {
    s: &'b [u8],
    i: usize,
}

impl<'b> Cursor<'b> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn skip_ows(&mut self) {
        while self.peek().is_some_and(is_ows) {
            self.i += 1;
        }
    }

    fn token(&mut self) -> Result<&'b [u8], ()> {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        if self.i == start {
            Err(())
        } else {
            Ok(&self.s[start..self.i])
        }
    }

    /// A quoted string whose content is a token (no escapes); the cursor is on the quote.
    /// On failure the cursor is past the quoted string's end (or at the value's end).
    fn quoted_token(&mut self) -> Result<&'b [u8], ()> {
        self.i += 1;
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        let content = &self.s[start..self.i];
        if !content.is_empty() && self.eat(b'"') {
            return Ok(content);
        }
        // Not a quoted token: step over the rest of the quoted string, so that a comma
        // inside it is not taken for the end of the element.
        while let Some(b) = self.peek() {
            self.i += 1;
            match b {
                b'\\' => self.i += 1,
                b'"' => break,
                _ => {}
            }
        }
        self.i = self.i.min(self.s.len());
        Err(())
    }

    /// `token [ OWS "=" OWS ( token / quoted-string ) ]`, after the `;` and its OWS.
    fn param(&mut self) -> Result<ExtensionParam<'b>, ()> {
        self.skip_ows();
        let name = self.token()?;
        let save = self.i;
        self.skip_ows();
        if !self.eat(b'=') {
            self.i = save;
            return Ok(ExtensionParam { name, value: None });
        }
        self.skip_ows();
        let value = if self.peek() == Some(b'"') {
            self.quoted_token()?
        } else {
            self.token()?
        };
        Ok(ExtensionParam {
            name,
            value: Some(value),
        })
    }

    /// Skips to the next comma that is not inside a quoted string (or the end).
    fn recover(&mut self) {
        let mut quoted = false;
        while let Some(b) = self.peek() {
            match b {
                b'"' => quoted = !quoted,
                b'\\' if quoted => self.i += 1,
                b',' if !quoted => return,
                _ => {}
            }
            self.i += 1;
        }
        // An escape at the very end stepped one past it.
        self.i = self.i.min(self.s.len());
    }

    /// One list element; `None` for an empty one.
    fn offer(&mut self) -> Option<ExtensionOffer<'b>> {
        self.skip_ows();
        let start = self.i;
        if matches!(self.peek(), Some(b',') | None) {
            return None;
        }
        let Ok(name) = self.token() else {
            self.recover();
            return Some(ExtensionOffer {
                name: &self.s[start..start],
                raw_params: &[],
                valid: false,
            });
        };
        let params_start = self.i;
        let mut params_end = self.i;
        let valid = loop {
            self.skip_ows();
            match self.peek() {
                None | Some(b',') => break true,
                Some(b';') => {
                    self.i += 1;
                    if self.param().is_err() {
                        break false;
                    }
                    params_end = self.i;
                }
                Some(_) => break false,
            }
        };
        if !valid {
            self.recover();
            params_end = self.i;
        }
        Some(ExtensionOffer {
            name,
            raw_params: &self.s[params_start..params_end],
            valid,
        })
    }
}

/// The offers of one `Sec-WebSocket-Extensions` value, in order, empty elements skipped.
/// Linear in the value's length: each byte is read once here (and once more by
/// [`ExtensionOffer::params`] for the offers whose parameters are looked at).
pub fn extension_offers(value: &[u8]) -> impl Iterator<Item = ExtensionOffer<'_>> {
    let mut cursor = Cursor { s: value, i: 0 };
    core::iter::from_fn(move || loop {
        if cursor.i >= cursor.s.len() {
            return None;
        }
        let offer = cursor.offer();
        cursor.skip_ows();
        cursor.eat(b',');
        if offer.is_some() {
            return offer;
        }
    })
}

/// The permessage-deflate extension's name.
pub const PERMESSAGE_DEFLATE: &[u8] = b"permessage-deflate";

/// permessage-deflate parameters (RFC 7692 §7.1): as offered by a client, as configured by a
/// server, or as agreed. A window size is a base-two logarithm, 8..=15.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DeflateParams {
    pub server_no_context_takeover: bool,
    pub client_no_context_takeover: bool,
    /// `None`: not sent (15 is then assumed).
    pub server_max_window_bits: Option<u8>,
    /// In an offer: `Some(0)` means sent without a value ("I can take any").
    pub client_max_window_bits: Option<u8>,
}

/// `client_max_window_bits` sent without a value, in an offer.
pub const WINDOW_BITS_ANY: u8 = 0;

/// A window-bits value: 1*DIGIT with no leading zero, 8..=15 (RFC 7692 §7.1.2).
fn window_bits(value: &[u8]) -> Option<u8> {
    match value {
        [d @ b'8'..=b'9'] => Some(d - b'0'),
        [b'1', d @ b'0'..=b'5'] => Some(10 + d - b'0'),
        _ => None,
    }
}

impl DeflateParams {
    /// The parameters of a permessage-deflate offer, or `None` when the offer is not one or
    /// breaks RFC 7692 §7.1 (an unknown parameter, a repeated one, a bad value): such an
    /// offer is declined.
    pub fn from_offer(offer: &ExtensionOffer<'_>) -> Option<DeflateParams> {
        if !offer.valid || !offer.name.eq_ignore_ascii_case(PERMESSAGE_DEFLATE) {
            return None;
        }
        let mut p = DeflateParams::default();
        let mut seen = [false; 4];
        for param in offer.params() {
            let which = DEFLATE_PARAM_NAMES
                .iter()
                .position(|n| param.name.eq_ignore_ascii_case(n))?;
            if core::mem::replace(&mut seen[which], true) {
                return None;
            }
            match (which, param.value) {
                (0, None) => p.server_no_context_takeover = true,
                (1, None) => p.client_no_context_takeover = true,
                (2, Some(v)) => p.server_max_window_bits = Some(window_bits(v)?),
                (3, None) => p.client_max_window_bits = Some(WINDOW_BITS_ANY),
                (3, Some(v)) => p.client_max_window_bits = Some(window_bits(v)?),
                _ => return None,
            }
        }
        Some(p)
    }

    /// The server's answer to a valid offer, given what the server wants (`config`: its own
    /// no-context-takeover choices and the largest windows it will use / have the client use).
    pub fn answer(offer: &DeflateParams, config: &DeflateParams) -> DeflateParams {
        let server_limit = config.server_max_window_bits.unwrap_or(15);
        let client_limit = config.client_max_window_bits.unwrap_or(15);
        DeflateParams {
            // The client asked, or the server wants it (RFC 7692 §7.1.1.1: it may say so).
            server_no_context_takeover: offer.server_no_context_takeover
                || config.server_no_context_takeover,
            // The server may ask the client whether or not it was offered (§7.1.1.2).
            client_no_context_takeover: config.client_no_context_takeover,
            // Offered: answered with the same or a smaller value (§7.1.2.1); not offered: the
            // server may still limit its own window.
            server_max_window_bits: match offer.server_max_window_bits {
                Some(v) => Some(v.min(server_limit)),
                None => (server_limit < 15).then_some(server_limit),
            },
            // Only when offered (§7.1.2.2), and only when it limits the client.
            client_max_window_bits: match offer.client_max_window_bits {
                Some(WINDOW_BITS_ANY) => (client_limit < 15).then_some(client_limit),
                Some(v) => (client_limit < v).then_some(client_limit),
                None => None,
            },
        }
    }

    /// The `Sec-WebSocket-Extensions` value for these parameters (an answer), written into
    /// `out`; returns its length. `out` needs [`DEFLATE_RESPONSE_MAX`] bytes at most.
    pub fn write(&self, out: &mut [u8; DEFLATE_RESPONSE_MAX]) -> usize {
        let mut at = 0;
        let mut put = |s: &[u8]| {
            out[at..at + s.len()].copy_from_slice(s);
            at += s.len();
        };
        put(PERMESSAGE_DEFLATE);
        if self.server_no_context_takeover {
            put(b"; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            put(b"; client_no_context_takeover");
        }
        for (name, bits) in [
            (
                &b"; server_max_window_bits="[..],
                self.server_max_window_bits,
            ),
            (
                &b"; client_max_window_bits="[..],
                self.client_max_window_bits,
            ),
        ] {
            if let Some(bits) = bits {
                put(name);
                if bits >= 10 {
                    put(&[b'1', b'0' + bits - 10]);
                } else {
                    put(&[b'0' + bits]);
                }
            }
        }
        at
    }
}

/// The parameter names of RFC 7692 §7.1, in the order `from_offer` numbers them.
const DEFLATE_PARAM_NAMES: [&[u8]; 4] = [
    b"server_no_context_takeover",
    b"client_no_context_takeover",
    b"server_max_window_bits",
    b"client_max_window_bits",
];

/// The longest answer [`DeflateParams::write`] writes (every parameter, two-digit windows).
pub const DEFLATE_RESPONSE_MAX: usize = PERMESSAGE_DEFLATE.len() + 2 * 28 + 2 * 27;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_tokens_only() {
        assert!(has_token(b"keep-alive, Upgrade", b"upgrade"));
        assert!(has_token(b" ,UPGRADE ,", b"upgrade"));
        assert!(!has_token(b"up", b"upgrade"));
        assert!(!has_token(b"notupgrade", b"upgrade"));
        assert!(!has_token(b"upgrade2", b"upgrade"));
        assert!(!has_token(b"Upgrade foo", b"upgrade"));
        assert!(!has_token(b"", b"upgrade"));
    }

    #[test]
    fn offers_and_params() {
        let v = b"permessage-deflate; client_max_window_bits, x-foo;a=\"bc\";d , ,x-q;a=\"b,c\", \
                  bad;;, permessage-deflate;server_max_window_bits = \"10\"";
        let offers: Vec<_> = extension_offers(v).collect();
        assert_eq!(offers.len(), 5);
        assert_eq!(offers[0].name, b"permessage-deflate");
        assert!(offers[0].valid);
        assert!(offers[1].valid);
        let p: Vec<_> = offers[1].params().collect();
        assert_eq!(
            p,
            [
                ExtensionParam {
                    name: b"a",
                    value: Some(b"bc")
                },
                ExtensionParam {
                    name: b"d",
                    value: None
                }
            ]
        );
        // An escape or an open quote at the very end: the offer is invalid, nothing more.
        for tail in [
            &b"a;b=\"x\\"[..],
            b"a;b=\"\\",
            b"a;b=\"",
            b"a;b=\"x,y",
            b"a;b=x\"\\",
            b"a x\"\\",
            b"c\"\\",
        ] {
            let offers: Vec<_> = extension_offers(tail).collect();
            assert_eq!(offers.len(), 1);
            assert!(!offers[0].valid);
        }
        // "b,c" is no token: the offer is invalid, and its comma does not end it.
        assert_eq!((offers[2].name, offers[2].valid), (&b"x-q"[..], false));
        assert_eq!((offers[3].name, offers[3].valid), (&b"bad"[..], false));
        assert_eq!(
            DeflateParams::from_offer(&offers[4])
                .unwrap()
                .server_max_window_bits,
            Some(10)
        );
    }

    #[test]
    fn deflate_rules() {
        let parse = |v: &[u8]| {
            let offer = extension_offers(v).next().unwrap();
            DeflateParams::from_offer(&offer)
        };
        assert_eq!(parse(b"permessage-deflate"), Some(DeflateParams::default()));
        for bad in [
            &b"permessage-deflate; server_max_window_bits"[..],
            b"permessage-deflate; server_max_window_bits=7",
            b"permessage-deflate; server_max_window_bits=16",
            b"permessage-deflate; server_max_window_bits=010",
            b"permessage-deflate; client_max_window_bits=\"\"",
            b"permessage-deflate; server_no_context_takeover=1",
            b"permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            b"permessage-deflate; unknown",
            b"x-webkit-deflate-frame",
        ] {
            assert_eq!(parse(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        let offer = parse(b"permessage-deflate; client_max_window_bits; server_max_window_bits=12")
            .unwrap();
        let config = DeflateParams {
            client_max_window_bits: Some(10),
            server_max_window_bits: Some(13),
            ..DeflateParams::default()
        };
        let answer = DeflateParams::answer(&offer, &config);
        let mut out = [0u8; DEFLATE_RESPONSE_MAX];
        let n = answer.write(&mut out);
        assert_eq!(
            &out[..n],
            b"permessage-deflate; server_max_window_bits=12; client_max_window_bits=10"
        );
        let all = DeflateParams {
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            server_max_window_bits: Some(15),
            client_max_window_bits: Some(15),
        };
        assert_eq!(all.write(&mut out), DEFLATE_RESPONSE_MAX);
    }
}
