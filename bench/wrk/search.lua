-- A mix of catalogue searches, Chinese and English, some filtered or sorted.
local queries = {
  "q=%E6%89%8B%E6%9C%BA",                                  -- 手机
  "q=%E8%93%9D%E7%89%99%E8%80%B3%E6%9C%BA",                -- 蓝牙耳机
  "q=%E7%BB%BF%E8%8C%B6&sort=price_asc",                   -- 绿茶
  "q=%E8%BF%90%E5%8A%A8%E9%9E%8B&max_price=50000",         -- 运动鞋
  "q=%E7%AC%94%E8%AE%B0%E6%9C%AC%E7%94%B5%E8%84%91",       -- 笔记本电脑
  "q=%E9%9B%B6%E9%A3%9F&category=Snacks",                  -- 零食
  "q=iphone",
  "q=wireless%20headphones",
  "q=green%20tea&sort=rating",
  "q=running%20shoes",
  "q=laptop&min_price=500000",
  "q=lipstick",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/products?" .. queries[(i % #queries) + 1] .. "&limit=20")
end
