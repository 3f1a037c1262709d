//! Several instances over one PostgreSQL and one bucket behave as one service.
use crate::fixtures::*;
use crate::harness::app;

#[tokio::test]
async fn two_instances_over_one_database_and_bucket_behave_as_one_service() {
    let a = app().production().spawn().await.logged_in_as_admin().await;
    let b = a.sibling().await.logged_in_as_admin().await;

    let via_a = Spec::new(600, 1, 1);
    let via_b = Spec::new(601, 1, 1);
    assert_eq!(a.upload("application/dicom", dicom(&via_a)).await.0, 201);
    assert_eq!(b.upload("application/dicom", dicom(&via_b)).await.0, 201);
    for server in [&a, &b] {
        let (_, list) = server.get_json("/api/studies").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 2, "each instance lists both uploads");
        for spec in [&via_a, &via_b] {
            let body =
                server.get(&format!("/api/instances/{}/file", spec.sop)).send().await.unwrap().bytes().await.unwrap();
            assert_eq!(body.as_ref(), dicom(spec).as_slice());
        }
    }
    // A token issued by one instance is honoured by the other.
    let r = b.client.get(b.url("/api/me")).bearer_auth(a.token()).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // The same instance sent to both at once is stored exactly once.
    let same = Spec::new(602, 1, 1);
    let ((status_a, report_a), (status_b, report_b)) =
        tokio::join!(a.upload("application/dicom", dicom(&same)), b.upload("application/dicom", dicom(&same)));
    let mut statuses = [status_a, status_b];
    statuses.sort();
    assert_eq!(statuses, [200, 201], "{report_a} {report_b}");
    let stored = [&report_a, &report_b].iter().filter(|r| r["files"][0]["status"] == "stored").count();
    assert_eq!(stored, 1);
    let (_, study) = b.get_json(&format!("/api/studies/{}", same.study)).await;
    assert_eq!(study["num_instances"], 1);
}

/// Sum of one counter over the instances' `/metrics`.
pub async fn counter(servers: &[&crate::harness::TestApp], line_prefix: &str) -> u64 {
    let mut total = 0;
    for s in servers {
        let text = s.client.get(s.url("/metrics")).send().await.unwrap().text().await.unwrap();
        total += text
            .lines()
            .filter_map(|l| l.strip_prefix(line_prefix))
            .map(|v| v.trim().parse::<u64>().unwrap())
            .sum::<u64>();
    }
    total
}

#[tokio::test]
async fn the_periodic_orphan_sweep_is_claimed_by_one_instance_at_a_time() {
    let a = app()
        .production()
        .env("FERRUM_SWEEP_INTERVAL_SECS", "1")
        // A grace period, as in service: an object being uploaded (written, not committed
        // yet) is never a candidate, however slow the machine.
        .env("FERRUM_ORPHAN_GRACE_SECS", "60")
        .spawn()
        .await
        .logged_in_as_admin()
        .await;
    let b = a.sibling().await.logged_in_as_admin().await;
    let kept = Spec::new(610, 1, 1);
    assert_eq!(a.upload("application/dicom", dicom(&kept)).await.0, 201);
    // An object whose upload never committed its rows, as a crash would leave it.
    let orphan = a.dicom_blob_dir().join("ff").join("ff").join(format!("{}.dcm", "f".repeat(64)));
    std::fs::create_dir_all(orphan.parent().unwrap()).unwrap();
    std::fs::write(&orphan, b"half an upload").unwrap();
    // Left by a crash an hour ago.
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options().write(true).open(&orphan).unwrap().set_modified(an_hour_ago).unwrap();

    let started = std::time::Instant::now();
    while orphan.exists() && started.elapsed() < std::time::Duration::from_secs(15) {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!orphan.exists(), "the running service sweeps orphans without a restart");
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let elapsed = started.elapsed().as_secs_f64();
    let sweeps = counter(&[&a, &b], "ferrum_jobs_completed_total{kind=\"sweep_orphans\"}").await;
    // Each sweep queues the next one second after it: one deployment-wide sequence gives at
    // most one per second, where two instances sweeping on their own would give two.
    assert!(sweeps >= 2 && (sweeps as f64) <= elapsed + 1.0, "{sweeps} sweeps in {elapsed:.1} s");
    assert_eq!(files_under(&a.dicom_blob_dir()), 1, "the committed object is kept");
    let body = b.get(&format!("/api/instances/{}/file", kept.sop)).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(body.as_ref(), dicom(&kept).as_slice());
}

#[tokio::test]
async fn thumbnail_jobs_queued_through_either_instance_are_each_done_once() {
    let a = app().production().spawn().await.logged_in_as_admin().await;
    let b = a.sibling().await.logged_in_as_admin().await;
    let series: Vec<Spec> = (1..=12).map(|n| Spec::new(620, n, 1).size(32)).collect();
    for (i, spec) in series.iter().enumerate() {
        let via = if i % 2 == 0 { &a } else { &b };
        assert_eq!(via.upload("application/dicom", dicom(spec)).await.0, 201);
    }
    let thumbs = a.blob_root().join("derived").join("thumb");
    let started = std::time::Instant::now();
    while files_under(&thumbs) < series.len() && started.elapsed() < std::time::Duration::from_secs(20) {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(files_under(&thumbs), series.len(), "a thumbnail per series");
    // A job counts as done just after its thumbnail is written: wait for the count, then
    // give a duplicate claim time to show before checking there was none.
    let line = "ferrum_jobs_completed_total{kind=\"thumbnail\"}";
    while counter(&[&a, &b], line).await < series.len() as u64 && started.elapsed() < std::time::Duration::from_secs(20)
    {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let done = counter(&[&a, &b], line).await;
    assert_eq!(done, series.len() as u64, "each job done once across the two instances");
}
