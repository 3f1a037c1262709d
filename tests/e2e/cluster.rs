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
