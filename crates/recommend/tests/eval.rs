//! Offline evaluation: metrics on hand-computed cases, the loader's formats and its
//! errors, and the splits.

use emporium_recommend::Params;
use emporium_recommend::eval::{LoadError, Split, evaluate, parse, ranking_metrics, split, write_split};

#[test]
fn metrics_of_a_known_list() {
    // Relevant {2, 5}; hits at ranks 2 and 4 (1-based).
    let (hit, precision, ndcg) = ranking_metrics(&[1, 2, 3, 5, 6], &[2, 5]);
    assert_eq!(hit, 1.0);
    assert!((precision - 0.2).abs() < 1e-12);
    let dcg = 1.0 / 3f64.log2() + 1.0 / 5f64.log2();
    let ideal = 1.0 + 1.0 / 3f64.log2();
    assert!((ndcg - dcg / ideal).abs() < 1e-12);

    // Only the first 10 count; ideal DCG is over min(|relevant|, 10) hits.
    let list: Vec<i64> = (0..20).collect();
    assert_eq!(ranking_metrics(&list, &[15]), (0.0, 0.0, 0.0));
    let (hit, precision, ndcg) = ranking_metrics(&list, &(0..30).collect::<Vec<_>>());
    assert_eq!((hit, precision), (1.0, 1.0));
    assert!((ndcg - 1.0).abs() < 1e-12);
}

#[test]
fn recbole_tsv_with_typed_headers_and_leave_last_out() {
    let data = parse(
        b"user_id:token\titem_id:token\trating:float\ttimestamp:float\n\
          a\tx\t5\t30\n\
          a\ty\t3\t10\n\
          a\tz\t4\t20\n\
          b\tx\t1\t5\n",
    )
    .unwrap();
    assert_eq!(data.rows.len(), 4);
    assert_eq!(data.time_column.as_deref(), Some("timestamp:float"));
    assert_eq!(data.user_tokens, ["a", "b"]);
    assert_eq!(data.item_tokens, ["x", "y", "z"]);
    let (train, test) = split(&data, Split::LastOut);
    // a's latest purchase is x (t=30); b has one purchase and stays in training.
    assert_eq!(test.len(), 1);
    assert_eq!(test[&0], vec![0]);
    assert_eq!(train.pairs(), &[(0, 1), (0, 2), (1, 0)]);
}

#[test]
fn instacart_columns_order_by_order_number_and_repeats_count_once() {
    let data = parse(
        b",order_id,user_id,order_number,product_id,reordered\n\
          0,9,7,2,p2,0\n\
          1,8,7,1,p1,0\n\
          2,9,7,2,p1,1\n\
          3,8,7,1,p3,0\n",
    )
    .unwrap();
    assert_eq!(data.time_column.as_deref(), Some("order_number"));
    let (train, test) = split(&data, Split::LastOut);
    // Distinct items p2 (first in order 2), p1 and p3 (order 1): p2 is the newest.
    assert_eq!(test[&0], vec![0]);
    assert_eq!(train.len(), 2);
}

#[test]
fn plain_csv_without_time_holds_out_the_last_row() {
    let data = parse(b"user,item\n1,a\n1,b\n1,c\n").unwrap();
    assert_eq!(data.time_column, None);
    let (_, test) = split(&data, Split::LastOut);
    assert_eq!(test[&0], vec![2]);
}

#[test]
fn malformed_rows_are_reported_with_their_lines() {
    let err = parse(b"user,item,timestamp\n1,a,5\n1,,6\n2,b\n2,c,soon\n3,d,7\n").unwrap_err();
    let LoadError::Rows { errors, more } = &err else {
        panic!("{err}");
    };
    assert!(!more);
    let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [3, 4, 5]);
    let text = err.to_string();
    assert!(text.contains("line 3: empty item"), "{text}");
    assert!(text.contains("line 4: 2 fields, the header has 3"), "{text}");
    assert!(text.contains("line 5: timestamp \"soon\" is not a number"), "{text}");

    let many: String = std::iter::once("user,item\n".to_owned())
        .chain((0..30).map(|_| "x\n".to_owned()))
        .collect();
    let LoadError::Rows { errors, more } = parse(many.as_bytes()).unwrap_err() else {
        panic!("expected row errors");
    };
    assert_eq!(errors.len(), 10);
    assert!(more);

    assert!(matches!(
        parse(b"customer,thing\n1,2\n"),
        Err(LoadError::Header { missing: "user", .. })
    ));
    assert!(matches!(parse(b"user,item\n"), Err(LoadError::Empty)));
    let invalid_utf8 = parse(b"user,item\n1,a\n2,\xff\xfe\n").unwrap_err();
    assert!(invalid_utf8.to_string().contains("line 3"), "{invalid_utf8}");
}

#[test]
fn random_split_is_seeded_and_holds_out_a_fifth_of_each_user() {
    let mut text = String::from("user\titem\n");
    for u in 0..20 {
        for i in 0..10 {
            text.push_str(&format!("u{u}\ti{}\n", (u * 3 + i) % 25));
        }
    }
    let data = parse(text.as_bytes()).unwrap();
    let how = Split::Random { fraction: 0.2, seed: 7 };
    let (train, test) = split(&data, how);
    assert_eq!(split(&data, how), (train.clone(), test.clone()));
    assert_ne!(split(&data, Split::Random { fraction: 0.2, seed: 8 }).1, test);
    assert_eq!(train.len(), 160);
    assert!(test.values().all(|t| t.len() == 2));
    for (u, held) in &test {
        for i in held {
            assert!(!train.items_of(*u).any(|t| t == *i), "held-out item in training");
        }
    }

    let dir = tempfile::tempdir().unwrap();
    write_split(&data, &train, &test, dir.path()).unwrap();
    let train_file = std::fs::read_to_string(dir.path().join("train.tsv")).unwrap();
    let test_file = std::fs::read_to_string(dir.path().join("test.tsv")).unwrap();
    assert_eq!(train_file.lines().count(), 161);
    assert_eq!(test_file.lines().count(), 41);
    assert!(test_file.starts_with("user\titem\nu0\ti"), "{test_file}");

    let report = evaluate(&train, &test, &Params::default());
    assert_eq!((report.users, report.train, report.test), (20, 160, 40));
    assert_eq!(report.rows.len(), 3);
    let table = report.to_string();
    assert!(
        table.contains("| model | HR@10 | P@10 | NDCG@10 | coverage | fit | per user |"),
        "{table}"
    );
    for row in &report.rows {
        assert!((0.0..=1.0).contains(&row.hit_rate) && (0.0..=1.0).contains(&row.coverage));
    }
}

#[test]
fn evaluation_finds_the_obvious_neighbour() {
    // User 1 bought 1–3, user 2 bought 1–4, user 3 bought 4 and 5. Hold out 1's item 4:
    // both personal models rank it first, and so does popularity (2 buyers against 1).
    let train = emporium_recommend::Interactions::from_pairs([
        (1, 1),
        (1, 2),
        (1, 3),
        (2, 1),
        (2, 2),
        (2, 3),
        (2, 4),
        (3, 4),
        (3, 5),
    ]);
    let test = [(1, vec![4])].into_iter().collect();
    let report = evaluate(&train, &test, &Params::default());
    for row in &report.rows {
        assert_eq!(row.hit_rate, 1.0, "{}", row.name);
        assert!((row.ndcg - 1.0).abs() < 1e-12, "{}: {}", row.name, row.ndcg);
        assert!((row.precision - 0.1).abs() < 1e-12);
    }
}
