//! Typed shopping helpers: each drives the public API as a person would, asserts that it
//! answered as it should, and hands back what the next step needs (an id, a token), so a
//! story reads as what happens rather than as HTTP. Tests about one of these endpoints
//! itself send their own requests and check every field; these are for getting there.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::TestApp;

/// A product as staff create it: `NewProduct::new("龙井", 3_000).in_category("Tea")
/// .stocked(100, 700)`.
#[derive(Debug, Clone)]
pub struct NewProduct {
    name: String,
    price: i64,
    category: Option<String>,
    description: Option<String>,
    /// Opening stock: (quantity, unit cost).
    stock: Option<(i64, i64)>,
}

impl NewProduct {
    /// A product with a name and a price (minor units), no category and no stock.
    pub fn new(name: impl Into<String>, price: i64) -> Self {
        Self {
            name: name.into(),
            price,
            category: None,
            description: None,
            stock: None,
        }
    }

    /// For stories where only money and stock matter: "商品 <price>" at `price`, with
    /// `stock` units at a unit cost of 1,000.
    pub fn item(price: i64, stock: i64) -> Self {
        Self::new(format!("商品 {price}"), price).stocked(stock, 1_000)
    }

    /// In `category`.
    pub fn in_category(self, category: &str) -> Self {
        Self {
            category: Some(category.to_owned()),
            ..self
        }
    }

    /// With a description.
    pub fn described(self, description: &str) -> Self {
        Self {
            description: Some(description.to_owned()),
            ..self
        }
    }

    /// With an opening lot of `quantity` units at `unit_cost` each.
    pub fn stocked(self, quantity: i64, unit_cost: i64) -> Self {
        Self {
            stock: Some((quantity, unit_cost)),
            ..self
        }
    }

    fn body(&self) -> Value {
        let mut body = json!({"name": self.name, "price": self.price});
        if let Some(category) = &self.category {
            body["category"] = json!(category);
        }
        if let Some(description) = &self.description {
            body["description"] = json!(description);
        }
        if let Some((quantity, unit_cost)) = self.stock {
            body["initial_stock"] = json!({"quantity": quantity, "unit_cost": unit_cost});
        }
        body
    }
}

/// Asserts `response` has `status` and answers its JSON body.
pub async fn json_of(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status, "{}", response.url());
    response.json().await.expect("a JSON body")
}

impl TestApp {
    /// Staff create `product`; answers its id.
    pub async fn create_product(&self, staff: &str, product: NewProduct) -> i64 {
        let response = self
            .send(Method::POST, "/api/v1/products", Some(staff), Some(product.body()))
            .await;
        json_of(response, StatusCode::CREATED).await["id"]
            .as_i64()
            .expect("product id")
    }

    /// Adds the same delivery address in Beijing to a customer's book; answers its id.
    pub async fn add_address(&self, token: &str) -> i64 {
        let body = json!({"recipient": "王小明", "phone": "+86 138 0013 8000", "line1": "建国路 88 号", "city": "北京", "country": "CN"});
        let response = self
            .send(Method::POST, "/api/v1/me/addresses", Some(token), Some(body))
            .await;
        json_of(response, StatusCode::CREATED).await["id"]
            .as_i64()
            .expect("address id")
    }

    /// Sets the quantity of `product` in the customer's cart; answers the raw response.
    pub async fn put_cart(&self, token: &str, product: i64, quantity: i64) -> Response {
        self.send(
            Method::PUT,
            &format!("/api/v1/cart/items/{product}"),
            Some(token),
            Some(json!({"quantity": quantity})),
        )
        .await
    }

    /// A new customer with the Beijing address and `quantity` of `product` in the cart;
    /// answers (token, address id).
    pub async fn shopper(&self, name: &str, product: i64, quantity: i64) -> (String, i64) {
        let token = self.customer(name).await;
        let address = self.add_address(&token).await;
        assert_eq!(self.put_cart(&token, product, quantity).await.status(), StatusCode::OK);
        (token, address)
    }

    /// Places an order from the customer's cart; answers its id.
    pub async fn place_order(&self, token: &str, address: i64) -> i64 {
        let response = self
            .send(
                Method::POST,
                "/api/v1/orders",
                Some(token),
                Some(json!({"address_id": address})),
            )
            .await;
        json_of(response, StatusCode::CREATED).await["id"]
            .as_i64()
            .expect("order id")
    }

    /// Pays an order through the sandbox: pay, the buyer's click on the pay page, the
    /// notification delivered by one pass of the jobs. Answers the payment.
    pub async fn pay(&self, token: &str, order: i64) -> Value {
        let payment = json_of(
            self.send(
                Method::POST,
                &format!("/api/v1/orders/{order}/pay"),
                Some(token),
                Some(json!({"provider": "sandbox"})),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let complete = self
            .post(
                &format!("{}/complete", payment["pay_url"].as_str().expect("pay_url")),
                json!({"outcome": "succeeded"}),
            )
            .await;
        assert_eq!(complete.status(), StatusCode::ACCEPTED);
        let report = self.run_jobs().await;
        assert_eq!(report.jobs_done, 1, "the first delivery");
        payment
    }

    /// Fills the cart with `lines` of (product, quantity), places the order and pays it;
    /// answers the order id.
    pub async fn paid_order(&self, token: &str, address: i64, lines: &[(i64, i64)]) -> i64 {
        for &(product, quantity) in lines {
            assert_eq!(self.put_cart(token, product, quantity).await.status(), StatusCode::OK);
        }
        let id = self.place_order(token, address).await;
        self.pay(token, id).await;
        id
    }

    /// Staff ship an order and its customer confirms receipt.
    pub async fn deliver(&self, staff: &str, token: &str, order: i64) {
        let ship = json!({"carrier": "SF Express", "tracking_number": format!("SF{order:010}")});
        json_of(
            self.send(
                Method::POST,
                &format!("/api/v1/orders/{order}/ship"),
                Some(staff),
                Some(ship),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        json_of(
            self.send(
                Method::POST,
                &format!("/api/v1/orders/{order}/confirm-receipt"),
                Some(token),
                None,
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }

    /// `GET path`, asserting 200; answers the JSON body.
    pub async fn get_json(&self, path: &str, token: Option<&str>) -> Value {
        json_of(self.send(Method::GET, path, token, None).await, StatusCode::OK).await
    }
}
