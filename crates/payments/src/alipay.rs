//! Alipay (支付宝开放平台 OpenAPI gateway, RSA2): being written.
