# Atelier — 简体中文消息。每个键都必须与 en/main.ftl 一一对应。

nav-label = 主导航
nav-home = 首页
nav-password = 修改密码
nav-sign-out = 退出登录
lang-label = 语言
lang-switch = 切换

role-admin = 管理员
role-manager = 店长
role-fitter = 量体师

field-email = 电子邮箱
field-password = 密码
field-current-password = 当前密码
field-new-password = 新密码
field-confirm-password = 再次输入新密码

sign-in-title = 员工登录
sign-in-submit = 登录
sign-in-failed = 邮箱或密码不正确，请检查后重试。
sign-in-throttled = 登录失败次数过多。为保护您的账户，请在 { $minutes } 分钟后重试。
sign-in-signed-out = 您已退出登录。
email-required = 请输入电子邮箱。
email-invalid = 请输入有效的电子邮箱，例如 name@example.com。
password-required = 请输入密码。

home-title = 首页
home-welcome = 欢迎，{ $name }
home-store-empty = 暂无顾客或订单，有了之后会显示在这里。
home-all-stores = 全部门店

store-team = 团队
store-team-empty = 本店暂无员工。

password-title = 修改密码
password-required-notice = 您使用一次性密码登录。请设置您自己的密码后继续。
password-hint = 至少 12 个字符。几个不相关的词组合起来就是好密码。
password-submit = 保存密码
password-current-wrong = 当前密码不正确。
password-too-short = 请至少使用 { $min } 个字符。
password-too-long = 最多使用 128 个字符。
password-mismatch = 两次输入的新密码不一致。
password-unchanged = 请选择与当前密码不同的新密码。

error-status = 状态码
error-home = 返回首页
error-bad-request-title = 请求有误
error-bad-request = 无法理解提交的内容。请返回检查表单后重试。
error-forbidden-title = 无权访问
error-forbidden = 您无权访问此页面，或表单已过期。请刷新页面后重试。
error-not-found-title = 页面不存在
error-not-found = 此地址没有内容，可能已移动或链接有误。
error-method-not-allowed-title = 无法执行
error-method-not-allowed = 此页面不支持该操作方式。
error-too-large-title = 数据过大
error-too-large = 提交的内容过大。
error-too-many-title = 请求过多
error-too-many = 请稍候再试。
error-unavailable-title = 系统繁忙
error-unavailable = 系统繁忙，数据没有丢失，请稍后重试。
error-unexpected-title = 出错了
error-unexpected = 我们这边发生了意外错误，已记录，请重试。
