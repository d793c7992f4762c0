//! The VS Code extension in `editors/vscode/`: it packages into a `.vsix`
//! with `@vscode/vsce` (the tool extensions are published with, installed
//! from the npm registry), the package holds what VS Code loads, and its
//! trace picker reads what `rewind ls` prints. Debugging through the
//! extension is `rewind dap`'s, tested in tests/dap.rs.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn extension_dir() -> PathBuf {
    Path::new(ROOT).join("editors/vscode")
}

/// The names in a zip archive, read with python's zipfile.
fn zip_names(archive: &Path) -> Vec<String> {
    let mut cmd = Command::new("python3");
    cmd.args([
        "-c",
        "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
    ])
    .arg(archive);
    let out = run(cmd, None);
    assert_eq!(out.code(), Some(0), "{}", out.describe());
    out.stdout_str().lines().map(str::to_string).collect()
}

/// One file of a zip archive.
fn zip_file(archive: &Path, name: &str) -> String {
    let mut cmd = Command::new("python3");
    cmd.args([
        "-c",
        "import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())",
    ])
    .arg(archive)
    .arg(name);
    let out = run(cmd, None);
    assert_eq!(out.code(), Some(0), "{}", out.describe());
    out.stdout_str()
}

#[test]
fn vscode_extension_packages_into_a_vsix() {
    let test = "vscode_extension_packages_into_a_vsix";
    let Some(modules) = npm_modules(test, "vsce", "@vscode/vsce") else {
        return;
    };
    let dir = TestDir::new(test);
    // Packaged from a copy, as a release would be, so the source tree
    // gets no .vsix.
    let src = dir.join("vscode");
    std::fs::create_dir_all(&src).expect("create the copy");
    for entry in std::fs::read_dir(extension_dir()).expect("read editors/vscode") {
        let entry = entry.expect("read editors/vscode");
        std::fs::copy(entry.path(), src.join(entry.file_name())).expect("copy the extension");
    }
    let vsix = dir.join("rewind-debug.vsix");
    let mut cmd = Command::new(modules.join(".bin/vsce"));
    cmd.args([
        "package",
        "--skip-license",
        "--allow-missing-repository",
        "--out",
    ])
    .arg(&vsix)
    .current_dir(&src);
    let out = run(cmd, None);
    assert!(
        out.code() == Some(0) && vsix.is_file(),
        "vsce package failed:\n{}",
        out.describe()
    );
    let names = zip_names(&vsix);
    for want in [
        "extension.vsixmanifest",
        "extension/package.json",
        "extension/extension.js",
        "extension/traces.js",
        "extension/readme.md",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "the package lacks {want}: {names:?}"
        );
    }
    // What VS Code reads: the debug type, its adapter's configurations,
    // and the entry point, as in the source.
    let manifest: serde_json::Value =
        serde_json::from_str(&zip_file(&vsix, "extension/package.json")).expect("package.json");
    assert_eq!(manifest["main"], "./extension.js");
    let dbg = &manifest["contributes"]["debuggers"][0];
    assert_eq!(dbg["type"], "rewind");
    let labels: Vec<&str> = dbg["configurationSnippets"]
        .as_array()
        .expect("snippets")
        .iter()
        .filter_map(|s| s["label"].as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "rewind: Replay the latest recording",
            "rewind: Replay a trace…",
            "rewind: Record and debug"
        ]
    );
    let launch = &dbg["configurationAttributes"]["launch"]["properties"];
    for attr in ["trace", "program", "args", "cwd", "stopOnEntry", "gdb"] {
        assert!(launch.get(attr).is_some(), "launch lacks {attr}");
    }
    // Every launch attribute the manifest offers is one the adapter reads.
    let adapter = std::fs::read_to_string(Path::new(ROOT).join("src/dap/adapter.rs"))
        .expect("read the adapter");
    for attr in launch.as_object().expect("launch properties").keys() {
        assert!(
            adapter.contains(&format!("\"{attr}\"")),
            "the adapter does not read the launch attribute {attr:?}"
        );
    }
    let js = zip_file(&vsix, "extension/extension.js");
    assert!(js.contains("new vscode.DebugAdapterExecutable(rewindPath(), ['dap'])"));
}

#[test]
fn vscode_extension_picks_traces_from_rewind_ls() {
    let test = "vscode_extension_picks_traces_from_rewind_ls";
    if !tool_works("node") {
        skip(test, "node is not installed");
        return;
    }
    let dir = TestDir::new(test);
    let traces = dir.join("traces");
    let exe = c_program("hello");
    for arg in ["first", "second run"] {
        let mut cmd = dir.rewind();
        cmd.env("REWIND_TRACE_DIR", &traces)
            .arg("record")
            .arg(&exe)
            .arg(arg);
        run(cmd, None).assert_code(0);
    }
    let mut ls = dir.rewind();
    ls.env("REWIND_TRACE_DIR", &traces).arg("ls");
    let listed = run(ls, None);
    listed.assert_code(0);
    // extension.js needs VS Code; the picker's logic is in traces.js.
    let script = r#"
        const t = require(process.argv[1]);
        const text = require('fs').readFileSync(0, 'utf8');
        const items = t.traceItems(t.parseTraceList(text));
        console.log(JSON.stringify({
            items,
            dynamic: t.dynamicConfigurations(),
            empty: t.resolveConfiguration({}),
            kept: t.resolveConfiguration({ type: 'rewind', request: 'launch', name: 'x', trace: 'y' }),
        }));
    "#;
    let mut node = Command::new("node");
    node.arg("-e")
        .arg(script)
        .arg(extension_dir().join("traces.js"));
    let out = run(node, Some(listed.stdout.clone()));
    assert_eq!(out.code(), Some(0), "{}", out.describe());
    let v: serde_json::Value = serde_json::from_str(out.stdout_str().trim()).expect("node's JSON");
    let items = v["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{v}");
    // Newest first; each names a trace `rewind replay` opens.
    let name = |i: usize| items[i]["trace"].as_str().unwrap_or_default().to_string();
    assert!(
        items[0]["label"]
            .as_str()
            .unwrap_or_default()
            .ends_with("second run"),
        "{v}"
    );
    assert!(
        items[1]["label"]
            .as_str()
            .unwrap_or_default()
            .ends_with("first"),
        "{v}"
    );
    for i in 0..2 {
        assert!(
            traces.join(name(i)).is_dir(),
            "{} is not a trace: {v}",
            name(i)
        );
    }
    assert_eq!(v["dynamic"][0]["name"], "Replay the latest recording");
    assert_eq!(v["dynamic"][1]["trace"], "${command:rewind.pickTrace}");
    assert_eq!(v["empty"]["type"], "rewind");
    assert_eq!(v["kept"]["trace"], "y");
    // extension.js is valid JavaScript.
    let mut check = Command::new("node");
    check
        .arg("--check")
        .arg(extension_dir().join("extension.js"));
    run(check, None).assert_code(0);
}
