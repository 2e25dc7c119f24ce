-- Catalogue listing pages: newest, by price, and by category.
local paths = {
  "/api/v1/products?limit=20",
  "/api/v1/products?limit=20&sort=price_asc",
  "/api/v1/products?limit=20&category=Tea&sort=price_desc",
  "/api/v1/products?limit=20&category=Phones",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
