//! Answers `is_complete_request` for Rust: is the cell ready to run, does it
//! need more lines (with the indent of the next one), or can it never parse?

/// The three answers of `is_complete`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completeness {
    /// The code can run as it is.
    Complete,
    /// A bracket or string is still open; the next line takes this indent.
    Incomplete { indent: String },
    /// A closing bracket does not match: more lines cannot fix it.
    Invalid,
}

const INDENT_UNIT: &str = "    ";

/// Scans `code` for open brackets, strings and block comments.
pub fn check(code: &str) -> Completeness {
    let mut scanner = Scanner {
        chars: code.chars().collect(),
        at: 0,
        open: Vec::new(),
    };
    match scanner.scan() {
        Scan::Invalid => Completeness::Invalid,
        Scan::OpenLiteral => Completeness::Incomplete {
            indent: String::new(),
        },
        Scan::Done if scanner.open.is_empty() => Completeness::Complete,
        Scan::Done => Completeness::Incomplete {
            indent: INDENT_UNIT.repeat(scanner.open.len()),
        },
    }
}

enum Scan {
    Done,
    OpenLiteral,
    Invalid,
}

struct Scanner {
    chars: Vec<char>,
    at: usize,
    open: Vec<char>,
}

impl Scanner {
    fn peek(&self, offset: usize) -> Option<char> {
        self.chars.get(self.at + offset).copied()
    }

    fn scan(&mut self) -> Scan {
        while let Some(c) = self.peek(0) {
            let step = match c {
                '(' | '[' | '{' => {
                    self.open.push(c);
                    Ok(1)
                }
                ')' | ']' | '}' => self.close(c),
                '/' if self.peek(1) == Some('/') => Ok(self.line_comment()),
                '/' if self.peek(1) == Some('*') => self.block_comment(),
                '"' => self.quoted(1),
                'b' if self.peek(1) == Some('"') => self.quoted(2),
                'r' | 'b' if self.raw_string_start().is_some() => self.raw_string(),
                '\'' => Ok(self.char_or_lifetime()),
                _ => Ok(1),
            };
            match step {
                Ok(n) => self.at += n,
                Err(scan) => return scan,
            }
        }
        Scan::Done
    }

    fn close(&mut self, c: char) -> Result<usize, Scan> {
        let expected = match c {
            ')' => '(',
            ']' => '[',
            _ => '{',
        };
        match self.open.pop() {
            Some(open) if open == expected => Ok(1),
            _ => Err(Scan::Invalid),
        }
    }

    fn line_comment(&self) -> usize {
        let rest = &self.chars[self.at..];
        rest.iter().position(|&c| c == '\n').unwrap_or(rest.len())
    }

    fn block_comment(&self) -> Result<usize, Scan> {
        let mut depth = 0usize;
        let mut i = self.at;
        while i < self.chars.len() {
            match (self.chars.get(i), self.chars.get(i + 1)) {
                (Some('/'), Some('*')) => {
                    depth += 1;
                    i += 2;
                }
                (Some('*'), Some('/')) => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        return Ok(i - self.at);
                    }
                }
                (Some(_), _) => i += 1,
                (None, _) => break,
            }
        }
        Err(Scan::OpenLiteral)
    }

    /// A "..." string starting `skip` characters ahead.
    fn quoted(&self, skip: usize) -> Result<usize, Scan> {
        let mut i = self.at + skip;
        while let Some(&c) = self.chars.get(i) {
            match c {
                '\\' => i += 2,
                '"' => return Ok(i + 1 - self.at),
                _ => i += 1,
            }
        }
        Err(Scan::OpenLiteral)
    }

    /// The number of `#` of a raw string starting here (`r"`, `r#"`, `br#"`...).
    fn raw_string_start(&self) -> Option<(usize, usize)> {
        let mut i = self.at;
        if self.chars.get(i) == Some(&'b') {
            i += 1;
        }
        if self.chars.get(i) != Some(&'r') {
            return None;
        }
        // An identifier such as `bar` or `for` is not a raw string.
        if self.at > 0 && is_ident(self.chars[self.at - 1]) {
            return None;
        }
        i += 1;
        let hashes = self.chars[i..].iter().take_while(|&&c| c == '#').count();
        (self.chars.get(i + hashes) == Some(&'"')).then_some((i + hashes + 1, hashes))
    }

    fn raw_string(&self) -> Result<usize, Scan> {
        let (body, hashes) = self.raw_string_start().ok_or(Scan::Invalid)?;
        let mut i = body;
        while let Some(&c) = self.chars.get(i) {
            if c == '"'
                && self.chars[i + 1..]
                    .iter()
                    .take(hashes)
                    .filter(|&&h| h == '#')
                    .count()
                    == hashes
            {
                return Ok(i + 1 + hashes - self.at);
            }
            i += 1;
        }
        Err(Scan::OpenLiteral)
    }

    /// `'a'`, `'\n'` or a lifetime `'a` (which has no closing quote).
    fn char_or_lifetime(&self) -> usize {
        match (self.peek(1), self.peek(2), self.peek(3)) {
            (Some('\\'), _, _) => {
                let rest = &self.chars[self.at + 2..];
                rest.iter().position(|&c| c == '\'').map_or(1, |p| p + 3)
            }
            (Some(_), Some('\''), _) => 3,
            _ => 1,
        }
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incomplete(indent: &str) -> Completeness {
        Completeness::Incomplete {
            indent: indent.to_owned(),
        }
    }

    #[test]
    fn balanced_code_is_complete() {
        assert_eq!(check("let x = 1;"), Completeness::Complete);
        assert_eq!(check("fn f() { (1, [2]) }"), Completeness::Complete);
        assert_eq!(check(""), Completeness::Complete);
    }

    #[test]
    fn open_brackets_ask_for_more_with_an_indent() {
        assert_eq!(check("fn f() {"), incomplete("    "));
        assert_eq!(check("fn f() {\n    if x {"), incomplete("        "));
        assert_eq!(check("foo(1,"), incomplete("    "));
    }

    #[test]
    fn open_strings_and_comments_ask_for_more() {
        assert_eq!(check("let s = \"abc"), incomplete(""));
        assert_eq!(check("let s = r#\"abc\""), incomplete(""));
        assert_eq!(check("/* note"), incomplete(""));
    }

    #[test]
    fn brackets_inside_literals_and_comments_do_not_count() {
        assert_eq!(check("let s = \"{\";"), Completeness::Complete);
        assert_eq!(check("let c = '{';"), Completeness::Complete);
        assert_eq!(check("// {\nlet x = 1;"), Completeness::Complete);
        assert_eq!(check("let s = r#\"}\"#;"), Completeness::Complete);
        assert_eq!(check("fn f<'a>(x: &'a str) {}"), Completeness::Complete);
        assert_eq!(check("let c = '\\'';"), Completeness::Complete);
    }

    #[test]
    fn mismatched_closers_are_invalid() {
        assert_eq!(check("fn f() { )"), Completeness::Invalid);
        assert_eq!(check("}"), Completeness::Invalid);
        assert_eq!(check("let x = [1, 2);"), Completeness::Invalid);
    }
}
