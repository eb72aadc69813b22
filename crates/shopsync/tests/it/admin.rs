//! `shopsync admin`: console accounts, the password from standard input only, and the demo's one-time login.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;

use crate::{initialised, run, run_with_stdin, shopsync, stderr, stdout};

#[test]
fn add_user_reads_the_password_from_stdin_and_stores_only_its_hash() {
    let dir = initialised();
    let password = "a long passphrase of words";
    let out = run_with_stdin(
        shopsync(dir.path()).args(["admin", "add-user", "Alice", "--role", "operator"]),
        &format!("{password}\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "Added console user alice (operator).");
    assert!(!stdout(&out).contains(password) && !stderr(&out).contains(password));
    let db = std::fs::read(dir.path().join("shopsync.db")).unwrap();
    assert!(!db.windows(password.len()).any(|w| w == password.as_bytes()), "the password is not in the database");

    let again = run_with_stdin(
        shopsync(dir.path()).args(["admin", "add-user", "alice", "--role", "viewer"]),
        "another passphrase\n",
    );
    assert!(stdout(&again).contains("now has role viewer"), "{}", stdout(&again));
    let list = run(shopsync(dir.path()).args(["admin", "users"]));
    assert!(stdout(&list).starts_with("alice") && stdout(&list).contains("viewer"), "{}", stdout(&list));

    let short = run_with_stdin(shopsync(dir.path()).args(["admin", "add-user", "bob", "--role", "viewer"]), "short\n");
    assert!(!short.status.success());
    assert!(stderr(&short).contains("use at least 10"), "{}", stderr(&short));
    let none = run(shopsync(dir.path()).args(["admin", "add-user", "bob", "--role", "viewer"]));
    assert!(!none.status.success());
    assert!(stderr(&none).contains("no password on standard input"), "{}", stderr(&none));
}

/// Reads one answer of a plain HTTP/1.1 GET on 127.0.0.1.
fn get(address: &str, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn the_demo_serves_the_console_with_a_one_time_operator_login() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let mut child =
        shopsync(&data).arg("demo").stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut login) = (None, None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("Web console: ") {
            url = Some(rest.trim().to_string());
        }
        if line.trim_start().starts_with("log in as demo with the one-time password ") {
            login = Some(line);
            break;
        }
    }
    // The demo goes on printing after the login line: keep reading, since a closed pipe would end it (SIGPIPE)
    // while the console is being asked for its pages.
    let drained = std::thread::spawn(move || lines.for_each(drop));
    let url = url.expect("the demo prints the console's URL");
    let address = url.strip_prefix("http://127.0.0.1:").map(|port| format!("127.0.0.1:{port}")).expect("on 127.0.0.1");
    assert!(login.is_some());
    assert!(get(&address, "/login").starts_with("HTTP/1.1 200"));
    assert!(get(&address, "/").contains("location: /login"), "the console needs the login");
    child.kill().unwrap();
    child.wait().unwrap();
    drained.join().unwrap();
    let users = run(shopsync(&data).args(["admin", "users"]));
    assert!(stdout(&users).contains("demo") && stdout(&users).contains("operator"), "{}", stdout(&users));
}
