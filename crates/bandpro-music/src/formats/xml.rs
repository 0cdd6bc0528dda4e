//! A small read-only element tree over `quick-xml` events, with byte positions, used by the
//! MusicXML and MXL readers.
//!
//! MusicXML is easiest to interpret with random access to an element's children (a `<note>`'s
//! `<chord/>` flag, `<duration>` and `<voice>` come in a fixed order, but `<attributes>` and
//! directions must be matched up with the notes around them), so the reader first builds this
//! compact tree: one flat arena of nodes, names and text borrowed from the input wherever no
//! entity had to be expanded. A node is 32 bytes of offsets into the input (a large score has
//! millions of elements: wider nodes made the page faults of the arena a fifth of a read).

use std::borrow::Cow;

use quick_xml::events::Event as XmlEvent;

use crate::error::{Error, FilePosition, Result};
use crate::formats::limits;

const NONE: u32 = u32::MAX;

/// One element: offsets into the input (which is at most `limits::MAX_XML_BYTES` long).
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Local name (namespace prefix removed): start and length in the input.
    name_start: u32,
    name_len: u32,
    /// Byte offset of the `<` of the start tag.
    pos: u32,
    attr_start: u32,
    attr_end: u32,
    first_child: u32,
    next_sibling: u32,
    /// Text content of a leaf element (entities expanded); empty for elements with children.
    text: Text,
}

/// Where an element's text is.
#[derive(Debug, Clone, Copy)]
enum Text {
    /// A slice of the input: start and length.
    Input(u32, u32),
    /// An entry of `Doc::owned` (text with entities expanded, or pieced together).
    Owned(u32),
}

const EMPTY: Text = Text::Input(0, 0);

/// The whole document.
#[derive(Debug)]
pub(crate) struct Doc<'a> {
    nodes: Vec<Node>,
    attrs: Vec<(&'a str, Cow<'a, str>)>,
    /// Texts that are not slices of the input.
    owned: Vec<String>,
    /// The decoded source text.
    pub src: &'a str,
}

impl Doc<'_> {
    fn text_of(&self, t: Text) -> &str {
        match t {
            Text::Input(start, len) => &self.src[start as usize..(start + len) as usize],
            Text::Owned(i) => &self.owned[i as usize],
        }
    }

    /// Appends `piece` to node `idx`'s text.
    fn push_text(&mut self, idx: u32, piece: Cow<'_, str>) {
        let node = &mut self.nodes[idx as usize];
        let src = self.src.as_bytes().as_ptr_range();
        let p = piece.as_ptr();
        match (node.text, &piece) {
            // A slice of the input where nothing was there yet: keep pointing into it.
            (Text::Input(_, 0), Cow::Borrowed(b)) if src.contains(&p) => {
                node.text = Text::Input((p as usize - src.start as usize) as u32, b.len() as u32);
            }
            (Text::Owned(i), _) => self.owned[i as usize].push_str(&piece),
            (prev, _) => {
                let mut joined = self.text_of(prev).to_owned();
                joined.push_str(&piece);
                self.nodes[idx as usize].text = Text::Owned(self.owned.len() as u32);
                self.owned.push(joined);
            }
        }
    }
}

/// A handle to an element of a [`Doc`].
#[derive(Clone, Copy)]
pub(crate) struct El<'d, 'a> {
    doc: &'d Doc<'a>,
    idx: u32,
}

impl<'d, 'a> El<'d, 'a> {
    fn node(self) -> &'d Node {
        &self.doc.nodes[self.idx as usize]
    }

    /// Local name.
    pub fn name(self) -> &'a str {
        let n = self.node();
        &self.doc.src[n.name_start as usize..(n.name_start + n.name_len) as usize]
    }

    /// Byte offset of the start tag.
    pub fn pos(self) -> usize {
        self.node().pos as usize
    }

    /// Text content, trimmed.
    pub fn text(self) -> &'d str {
        self.raw_text().trim()
    }

    /// Text content, untrimmed.
    pub fn raw_text(self) -> &'d str {
        self.doc.text_of(self.node().text)
    }

    /// An attribute's value.
    pub fn attr(self, name: &str) -> Option<&'d str> {
        let n = self.node();
        self.doc.attrs[n.attr_start as usize..n.attr_end as usize]
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_ref())
    }

    /// Child elements in order.
    pub fn children(self) -> Children<'d, 'a> {
        Children { doc: self.doc, next: self.node().first_child }
    }

    /// The first child with a given name.
    pub fn child(self, name: &str) -> Option<El<'d, 'a>> {
        self.children().find(|c| c.name() == name)
    }

    /// The trimmed text of the first child with a given name.
    pub fn child_text(self, name: &str) -> Option<&'d str> {
        self.child(name).map(|c| c.text())
    }

    /// True if the element has a child with this name.
    pub fn has(self, name: &str) -> bool {
        self.child(name).is_some()
    }
}

/// Iterator over child elements.
pub(crate) struct Children<'d, 'a> {
    doc: &'d Doc<'a>,
    next: u32,
}

impl<'d, 'a> Iterator for Children<'d, 'a> {
    type Item = El<'d, 'a>;
    fn next(&mut self) -> Option<El<'d, 'a>> {
        if self.next == NONE {
            return None;
        }
        let el = El { doc: self.doc, idx: self.next };
        self.next = self.doc.nodes[self.next as usize].next_sibling;
        Some(el)
    }
}

impl<'a> Doc<'a> {
    /// The root element.
    pub fn root(&self) -> El<'_, 'a> {
        El { doc: self, idx: 0 }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(src: &str, byte: usize) -> FilePosition {
    let byte = byte.min(src.len());
    let before = &src.as_bytes()[..byte];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    // Count characters, not bytes; the offset may fall inside a character of broken input.
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    FilePosition::LineColumn {
        line: line.min(u32::MAX as usize) as u32,
        column: column.min(u32::MAX as usize) as u32,
    }
}

/// Turn the bytes of an XML file into text: UTF-8 (with or without a byte-order mark), UTF-16
/// with a byte-order mark, or ISO-8859-1 / Windows-1252 when the declaration says so.
pub(crate) fn decode<'b>(bytes: &'b [u8], format: &'static str) -> Result<Cow<'b, str>> {
    if bytes.len() as u64 > limits::MAX_XML_BYTES {
        return Err(Error::LimitExceeded {
            format,
            position: FilePosition::Byte(limits::MAX_XML_BYTES),
            what: "input bytes",
            limit: limits::MAX_XML_BYTES,
        });
    }
    let utf16 = |le: bool, body: &[u8]| -> Result<Cow<'b, str>> {
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) })
            .collect();
        String::from_utf16(&units).map(Cow::Owned).map_err(|_| Error::Format {
            format,
            position: FilePosition::Unknown,
            message: "invalid UTF-16 text".into(),
        })
    };
    if let Some(body) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(true, body);
    }
    if let Some(body) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(false, body);
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    // Look for a declared single-byte encoding in the XML declaration.
    let head = &bytes[..bytes.len().min(200)];
    let head_lc = String::from_utf8_lossy(head).to_ascii_lowercase();
    let latin1 = head_lc.starts_with("<?xml")
        && head_lc.split("?>").next().is_some_and(|decl| {
            decl.contains("iso-8859-1") || decl.contains("latin1") || decl.contains("windows-1252")
        });
    if latin1 {
        if let Ok(s) = std::str::from_utf8(bytes) {
            // Pure ASCII files are the same in both; keep borrowing.
            if s.is_ascii() {
                return Ok(Cow::Borrowed(s));
            }
        }
        return Ok(Cow::Owned(bytes.iter().map(|&b| b as char).collect()));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        Err(e) => {
            let at = e.valid_up_to();
            let text = String::from_utf8_lossy(&bytes[..at]);
            Err(Error::Format { format, position: line_col(&text, at), message: "invalid UTF-8 text".into() })
        }
    }
}

fn err(format: &'static str, src: &str, at: usize, message: impl Into<String>) -> Error {
    Error::Format { format, position: line_col(src, at), message: message.into() }
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

fn resolve_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                name.strip_prefix('#')?.parse().ok()?
            };
            char::from_u32(code)
        }
    }
}

/// Parse the attributes of a start tag from its source text (`<name a="1" b='2'>`).
fn parse_attrs<'a>(
    format: &'static str,
    src: &'a str,
    tag_start: usize,
    tag: &'a str,
    out: &mut Vec<(&'a str, Cow<'a, str>)>,
) -> Result<()> {
    let bytes = tag.as_bytes();
    // Skip `<` and the name.
    let mut i = 1;
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'/' && bytes[i] != b'>' {
        i += 1;
    }
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] == b'/' || bytes[i] == b'>' {
            return Ok(());
        }
        let name_start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
            i += 1;
        }
        let name = &tag[name_start..i];
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != b'=' {
            return Err(err(format, src, tag_start + name_start, format!("attribute `{name}` has no value")));
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let quote = bytes.get(i).copied();
        if quote != Some(b'"') && quote != Some(b'\'') {
            return Err(err(format, src, tag_start + i, format!("attribute `{name}` value is not quoted")));
        }
        let q = quote.unwrap_or(b'"');
        i += 1;
        let value_start = i;
        while i < bytes.len() && bytes[i] != q {
            i += 1;
        }
        if i >= bytes.len() {
            return Err(err(
                format,
                src,
                tag_start + value_start,
                format!("attribute `{name}` value is not closed"),
            ));
        }
        let raw = &tag[value_start..i];
        i += 1;
        let value = if raw.contains('&') {
            let mut s = String::with_capacity(raw.len());
            let mut rest = raw;
            while let Some(amp) = rest.find('&') {
                s.push_str(&rest[..amp]);
                let after = &rest[amp + 1..];
                let semi = after.find(';').ok_or_else(|| {
                    err(
                        format,
                        src,
                        tag_start + value_start,
                        format!("unterminated entity in attribute `{name}`"),
                    )
                })?;
                match resolve_entity(&after[..semi]) {
                    Some(c) => s.push(c),
                    None => {
                        return Err(err(
                            format,
                            src,
                            tag_start + value_start,
                            format!("unknown entity `&{};` in attribute `{name}`", &after[..semi]),
                        ));
                    }
                }
                rest = &after[semi + 1..];
            }
            s.push_str(rest);
            Cow::Owned(s)
        } else {
            Cow::Borrowed(raw)
        };
        out.push((local(name), value));
    }
}

/// Parse a whole document into a tree.
pub(crate) fn parse<'a>(src: &'a str, format: &'static str) -> Result<Doc<'a>> {
    let mut reader = quick_xml::Reader::from_str(src);
    reader.config_mut().check_end_names = true;
    // Sized for a typical MusicXML file, so that the arenas of a large score are not copied as
    // they grow.
    let mut doc = Doc {
        nodes: Vec::with_capacity(src.len() / 24),
        attrs: Vec::with_capacity(src.len() / 128),
        owned: Vec::new(),
        src,
    };
    let mut stack: Vec<u32> = Vec::new();
    // Per open element, its last child so far (children are linked as they come).
    let mut last_child: Vec<u32> = Vec::new();
    let mut root_done = false;
    loop {
        let before = reader.buffer_position() as usize;
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let at = reader.error_position() as usize;
                return Err(err(format, src, at, format!("not well-formed XML: {e}")));
            }
        };
        let after = reader.buffer_position() as usize;
        match ev {
            XmlEvent::Start(_) | XmlEvent::Empty(_) => {
                let is_empty = matches!(ev, XmlEvent::Empty(_));
                // The start tag's text runs from `<` to `>`; skip whitespace text before it.
                let tag_start = src[before..after].find('<').map_or(before, |i| before + i);
                let tag = &src[tag_start..after];
                if root_done && stack.is_empty() {
                    return Err(err(format, src, tag_start, "more than one root element"));
                }
                if stack.len() >= limits::MAX_XML_DEPTH {
                    return Err(Error::LimitExceeded {
                        format,
                        position: line_col(src, tag_start),
                        what: "element nesting depth",
                        limit: limits::MAX_XML_DEPTH as u64,
                    });
                }
                let name_end = tag[1..]
                    .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
                    .map_or(tag.len(), |i| i + 1);
                let full_name = &tag[1..name_end];
                let name = local(full_name);
                let name_start = (tag_start + 1 + full_name.len() - name.len()) as u32;
                let attr_start = doc.attrs.len() as u32;
                parse_attrs(format, src, tag_start, tag, &mut doc.attrs)?;
                let idx = doc.nodes.len() as u32;
                if doc.nodes.len() >= u32::MAX as usize - 1 {
                    return Err(Error::LimitExceeded {
                        format,
                        position: line_col(src, tag_start),
                        what: "elements",
                        limit: u32::MAX as u64 - 1,
                    });
                }
                doc.nodes.push(Node {
                    name_start,
                    name_len: name.len() as u32,
                    pos: tag_start as u32,
                    attr_start,
                    attr_end: doc.attrs.len() as u32,
                    first_child: NONE,
                    next_sibling: NONE,
                    text: EMPTY,
                });
                if let (Some(&parent), Some(last)) = (stack.last(), last_child.last_mut()) {
                    let p = &mut doc.nodes[parent as usize];
                    // Mixed content is not used by MusicXML: drop whitespace before children.
                    p.text = EMPTY;
                    if *last == NONE {
                        p.first_child = idx;
                    } else {
                        doc.nodes[*last as usize].next_sibling = idx;
                    }
                    *last = idx;
                }
                if is_empty {
                    if stack.is_empty() {
                        root_done = true;
                    }
                } else {
                    stack.push(idx);
                    last_child.push(NONE);
                }
            }
            XmlEvent::End(_) => {
                stack.pop();
                last_child.pop();
                if stack.is_empty() {
                    root_done = true;
                }
            }
            XmlEvent::Text(t) => {
                if let Some(&top) = stack.last() {
                    if doc.nodes[top as usize].first_child == NONE {
                        doc.push_text(top, t.xml10_content());
                    }
                } else if !t.xml10_content().trim().is_empty() {
                    return Err(err(format, src, before, "text outside the root element"));
                }
            }
            XmlEvent::CData(t) => {
                if let Some(&top) = stack.last()
                    && doc.nodes[top as usize].first_child == NONE
                {
                    doc.push_text(top, t.xml10_content());
                }
            }
            XmlEvent::GeneralRef(r) => {
                let name = r.into_inner();
                let c = resolve_entity(&name)
                    .ok_or_else(|| err(format, src, before, format!("unknown entity `&{name};`")))?;
                if let Some(&top) = stack.last()
                    && doc.nodes[top as usize].first_child == NONE
                {
                    let mut buf = [0u8; 4];
                    doc.push_text(top, Cow::Owned(c.encode_utf8(&mut buf).to_owned()));
                }
            }
            XmlEvent::Eof => {
                if let Some(&open) = stack.last() {
                    let n = El { doc: &doc, idx: open };
                    return Err(err(
                        format,
                        src,
                        src.len(),
                        format!(
                            "unexpected end of file: `<{}>` opened at {} is not closed",
                            n.name(),
                            line_col(src, n.pos())
                        ),
                    ));
                }
                if doc.nodes.is_empty() {
                    return Err(err(format, src, 0, "no root element"));
                }
                return Ok(doc);
            }
            XmlEvent::Comment(_) | XmlEvent::Decl(_) | XmlEvent::PI(_) | XmlEvent::DocType(_) => {}
        }
    }
}

/// Escape text for element content and attribute values.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // A raw carriage return would be normalised away by the next reader.
            '\r' => out.push_str("&#13;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}
