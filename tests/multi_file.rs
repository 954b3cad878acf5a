//! A contract split across files (`testdata/contract/multi-file/`, whose path items are
//! `$ref`s to `paths/*.yaml` and `paths/pet.json`) checked by the real binary against a
//! loopback server: reports place each operation at the file and line it is written in,
//! since that is where a reader (or GitHub's annotations) must look.

use crate::support;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;

/// `GET /api/pets/{petId}` is a 501 stub, so one failure is annotated; the rest answer 200.
async fn serve() -> String {
    let app = Router::new()
        .route(
            "/api/pets/{pet_id}",
            get(|| async { (StatusCode::NOT_IMPLEMENTED, "not implemented") }),
        )
        .fallback(|| async { (StatusCode::OK, "[]") });
    crate::support::serve::serve(app).await.url()
}

#[tokio::test(flavor = "multi_thread")]
async fn operations_from_other_files_are_reported_at_their_own_file_and_line() {
    let base = serve().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("junit.xml");
    let args = vec![
        "check".to_string(),
        "testdata/contract/multi-file/openapi.yaml".to_string(),
        "--target".to_string(),
        base,
        "--junit".to_string(),
        junit.display().to_string(),
        "--github".to_string(),
    ];
    let mut command = support::command(args);
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("GITHUB_WORKSPACE", env!("CARGO_MANIFEST_DIR"));
    let run = support::run(command).await;
    let stdout = &run.stdout;
    let all = run.all_output();
    assert_eq!(run.code, 1, "the stub is flagged\n{all}");

    let xml = std::fs::read_to_string(&junit).expect("junit written");
    let case = |label: &str| {
        let start = xml
            .find(&format!("name=\"{label}\""))
            .unwrap_or_else(|| panic!("no testcase {label}\n{xml}"));
        let tag_start = xml[..start].rfind("<testcase").expect("testcase tag");
        let tag_end = start + xml[start..].find('>').expect("tag end");
        xml[tag_start..tag_end].to_string()
    };
    let list = case("GET /pets");
    assert!(
        list.contains("file=\"testdata/contract/multi-file/paths/pets.yaml\"")
            && list.contains("line=\"1\""),
        "{list}"
    );
    let show = case("GET /pets/{petId}");
    assert!(
        show.contains("file=\"testdata/contract/multi-file/paths/pet.json\"")
            && show.contains("line=\"3\""),
        "{show}"
    );

    let annotation = stdout
        .lines()
        .find(|l| l.starts_with("::error ") && l.contains("GET /pets/{petId}"))
        .unwrap_or_else(|| panic!("no annotation for the stub\n{all}"));
    assert!(
        annotation.contains("file=testdata/contract/multi-file/paths/pet.json,line=3,"),
        "{annotation}"
    );
}

/// 12.9: a report named like a file the contract's `$ref`s read (or the
/// `--since` contract's) is refused before anything is sent; the file is
/// left as it was. (On a copy of the fixture: a failure must not damage it.)
#[tokio::test(flavor = "multi_thread")]
async fn a_report_never_replaces_a_file_the_contract_references() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = |from: &std::path::Path, to: &std::path::Path| {
        let status = std::process::Command::new("cp")
            .arg("-r")
            .arg(from)
            .arg(to)
            .status()
            .expect("cp runs");
        assert!(status.success());
    };
    copy(&support::repo("testdata/contract/multi-file"), dir.path());
    copy(&support::repo("specs/demo.yaml"), dir.path());
    let referenced = dir.path().join("multi-file/paths/pet.json");
    let before = std::fs::read(&referenced).expect("copied");
    for since in [false, true] {
        let spec = if since {
            "demo.yaml"
        } else {
            "multi-file/openapi.yaml"
        };
        let mut args: Vec<String> = [
            "check",
            spec,
            "--target",
            "http://127.0.0.1:9",
            "--json",
            "./multi-file/paths/../paths/pet.json",
        ]
        .map(str::to_string)
        .into();
        if since {
            args.extend(["--since".to_string(), "multi-file/openapi.yaml".to_string()]);
        }
        let mut command = support::command(args);
        command.current_dir(dir.path());
        let run = support::run(command).await;
        run.assert_refused("is a file the contract's $refs name");
    }
    assert_eq!(std::fs::read(&referenced).expect("still there"), before);
}
