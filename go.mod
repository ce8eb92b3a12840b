module github.com/translated/translated

go 1.26.8
