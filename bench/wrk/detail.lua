-- Product detail for random products among the first N (N from the environment).
local n = tonumber(os.getenv("PRODUCTS") or "100000")
math.randomseed(42)
request = function()
  return wrk.format("GET", "/api/v1/products/" .. math.random(1, n))
end
