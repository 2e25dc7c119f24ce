//! Prints a few demo products and times the generation of a large catalogue.
//!
//! `cargo run -p emporium-demo --example sample -- [seed] [count]`

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(42);
    let count = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);
    for product in emporium_demo::catalogue(seed, count) {
        println!(
            "{} | {} | {} | ¥{}.{:02}",
            product.sku,
            product.name,
            product.category,
            product.price / 100,
            product.price % 100
        );
        println!("    {}", product.name_en);
        for (name, values) in &product.options {
            let english: Vec<&str> = values
                .iter()
                .map(|v| emporium_demo::option_value_en(v).unwrap_or(v))
                .collect();
            println!(
                "    option {name} ({}): {} ({})",
                emporium_demo::option_en(name).unwrap_or(name),
                values.join(", "),
                english.join(", ")
            );
        }
        for lot in &product.lots {
            println!(
                "    lot: {} × ¥{}.{:02}, {} days ago",
                lot.quantity,
                lot.unit_cost / 100,
                lot.unit_cost % 100,
                lot.received_days_ago
            );
        }
        println!("    {}", product.description);
        println!("    {}", product.description_en);
    }
    let started = Instant::now();
    let (products, bytes) = emporium_demo::catalogue(seed, 100_000).fold((0usize, 0usize), |(n, b), p| {
        (
            n + 1,
            b + p.name.len() + p.name_en.len() + p.description.len() + p.description_en.len(),
        )
    });
    println!(
        "generated {products} products ({bytes} bytes of text) in {:?}",
        started.elapsed()
    );
}
