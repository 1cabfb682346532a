# scan: --as-of 2026-12-01
resource "azurerm_kubernetes_cluster" "aks" {
  name                = "aks-prod"
  location            = "westeurope"
  resource_group_name = "rg-aks-prod"
  dns_prefix          = "aks-prod"
  kubernetes_version  = "1.32"

  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4ds_v5"
    node_count = 3
  }

  network_profile {
    network_plugin = "kubenet"
    network_policy = "calico"
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "win19" {
  name                  = "win19"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.aks.id
  vm_size               = "Standard_D4ds_v5"
  node_count            = 3
  os_type               = "Windows"
  os_sku                = "Windows2019"
}
