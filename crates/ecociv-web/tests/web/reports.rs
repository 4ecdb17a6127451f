//! The documents of the review as the task force downloads them: the yearly indicator archive
//! with every evidence file as uploaded, and what is missing said.

use std::io::Read;

use axum::body::Body;
use axum::http::StatusCode;
use ecociv_store::testdb::TestDb;
use serde_json::json;

use super::data_loop::{Loop, Reply, api, send, setup, upload};

async fn get(app: &Loop, user: &str, uri: &str) -> Reply {
    let auth = format!("Bearer tok-{user}");
    send(app, "GET", uri, &[("authorization", &auth)], Body::empty()).await
}

#[tokio::test]
async fn the_archive_holds_every_evidence_file_as_uploaded() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".to_vec();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    let mut uploaded = Vec::new();
    for (indicator, value, files) in [("5", "100", vec![("信息公开目录.pdf", pdf.clone()), ("现场照片.png", png.clone())]), ("6", "98", vec![])] {
        let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": indicator, "year": 2023, "value": value})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_i64().unwrap();
        for (name, content) in files {
            let e = upload(&app, "env", &format!("/api/v1/observations/{id}/evidence"), name, &content).await;
            assert_eq!(e.status, StatusCode::CREATED, "{}", e.body);
            uploaded.push((indicator, e.json()["hash"].as_str().unwrap().to_string(), content));
        }
        let r = api(&app, Some("tf"), "POST", &format!("/api/v1/observations/{id}/approve"), json!({})).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    assert_eq!(get(&app, "env", "/archive/2023.zip").await.status, StatusCode::FORBIDDEN, "the task force's document");
    assert_eq!(get(&app, "tf", "/archive/1999.zip").await.status, StatusCode::NOT_FOUND);
    let page = get(&app, "tf", "/readiness").await;
    assert!(page.body.contains("/archive/2023.zip"), "the download sits on the readiness page");
    assert!(!get(&app, "env", "/readiness").await.body.contains("/archive/2023.zip"));
    let r = get(&app, "tf", "/archive/2023.zip").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/zip");
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(r.bytes)).unwrap();
    let names: Vec<String> = z.file_names().map(|n| n.unwrap().to_string()).collect();
    let folders: std::collections::BTreeSet<&str> = names.iter().filter_map(|n| n.split_once('/').map(|x| x.0)).collect();
    assert_eq!(folders.len(), 36, "one folder per indicator");
    for (indicator, hash, content) in &uploaded {
        let file = names
            .iter()
            .find(|n| n.starts_with(&format!("{indicator}/佐证材料/")) && z.clone().by_name(n).map(|f| f.size()).ok() == Some(content.len() as u64))
            .expect("the file");
        let mut got = Vec::new();
        z.by_name(file).unwrap().read_to_end(&mut got).unwrap();
        assert_eq!(&ecociv_store::controls::content_hash(&got), hash, "{file}: the same SM3 as uploaded");
    }
    // what is missing is said: 6 has no evidence, 7.1 no value
    let mut note = String::new();
    z.by_name("6/缺失说明.txt").unwrap().read_to_string(&mut note).unwrap();
    assert!(note.contains("没有佐证材料"), "{note}");
    let mut note = String::new();
    z.by_name("7/缺失说明.txt").unwrap().read_to_string(&mut note).unwrap();
    assert!(note.contains("7.1：2023 年没有数值"), "{note}");
    assert!(z.by_name("5/缺失说明.txt").is_err(), "nothing missing for 5");
    app.db.cleanup().await;
}
