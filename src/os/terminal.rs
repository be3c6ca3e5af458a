//! The terminal's width, for output that must fit it.

use std::io::IsTerminal;

/// Where a command's text goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Columns of the terminal `stream` writes to; `None` when it is not a
/// terminal (a pipe or a file gets the full, unwrapped output).
pub fn width(stream: Stream) -> Option<usize> {
    let (fd, is_terminal) = match stream {
        Stream::Stdout => (libc::STDOUT_FILENO, std::io::stdout().is_terminal()),
        Stream::Stderr => (libc::STDERR_FILENO, std::io::stderr().is_terminal()),
    };
    if !is_terminal {
        return None;
    }
    // SAFETY: TIOCGWINSZ fills the winsize it is given and touches nothing else.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let asked = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) };
    if asked == 0 && size.ws_col > 0 {
        return Some(size.ws_col as usize);
    }
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
    Some(columns.filter(|&c: &usize| c > 0).unwrap_or(80))
}
